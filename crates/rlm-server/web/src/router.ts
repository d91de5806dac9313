// Client-side routes on the History API. The server answers the same paths
// with the page (so a shared /executions/{id} link opens directly).
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'home' }
  | { page: 'session'; id: string }
  | { page: 'execution'; id: string }
  | { page: 'dashboard' }
  | { page: 'missing'; path: string };

const UUID = '[0-9a-fA-F-]{36}';

export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { page: 'home' };
  if (path === '/dashboard') return { page: 'dashboard' };
  let m = new RegExp(`^/sessions/(${UUID})$`).exec(path);
  if (m) return { page: 'session', id: m[1].toLowerCase() };
  m = new RegExp(`^/executions/(${UUID})$`).exec(path);
  if (m) return { page: 'execution', id: m[1].toLowerCase() };
  return { page: 'missing', path };
}

const CHANGE = 'rlm:navigate';

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(CHANGE));
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/** onClick for same-origin links: navigate without a reload (modified clicks open as usual). */
export function linkClick(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}
