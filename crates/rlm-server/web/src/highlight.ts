// Syntax highlighting of the programs the model wrote: highlight.js core with
// the Python grammar only (our DSL is a strict subset of Python). The result
// is HTML in which the code's own text is escaped by highlight.js.
import hljs from 'highlight.js/lib/core';
import python from 'highlight.js/lib/languages/python';

hljs.registerLanguage('python', python);

const cache = new Map<string, string>();

export function highlightPython(code: string): string {
  let html = cache.get(code);
  if (html === undefined) {
    html = hljs.highlight(code, { language: 'python', ignoreIllegals: true }).value;
    if (cache.size > 500) cache.clear();
    cache.set(code, html);
  }
  return html;
}
