"""pyrlm-runtime's prompt constants (``pyrlm_runtime.prompts``), mapped onto the
runtime's own prompt templates (rlm-prompts' ``prompts/`` files, embedded in the
extension; the text lives there, not here).

* ``BASE_SYSTEM_PROMPT``: the root model's system prompt (``system.md``, full
  profile). Passed back as ``RLM(system_prompt=...)``, possibly with text
  appended, its ``{{functions}}``/``{{tools}}``/``{{max_output_chars}}`` are
  filled in.
* ``LLAMA_SYSTEM_PROMPT``, ``TINYLLAMA_SYSTEM_PROMPT`` (pyrlm 0.x's small-model
  prompts): the compact profile's ``system.md``, the one rlm gives small models.
* ``SUBCALL_SYSTEM_PROMPT``: the sub-model calls' system prompt (``subcall_system.md``).
* ``RECURSIVE_SUBCALL_SYSTEM_PROMPT``: what a sub-RLM's system prompt gets
  appended (``sub_rlm.md``).
* ``RETRIEVAL_SYSTEM_PROMPT_SUPPLEMENT``: empty: the root prompt's function
  list already names ``es_*`` when ``RLM(retriever=)`` is set.
* ``build_system_prompt``, ``build_root_user_message``,
  ``build_iteration_message``: refused (``ConfigError``): the runtime builds its
  messages from the templates; pass ``system_prompt=`` to change the root's.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ._native import prompt_template
from .errors import ConfigError

BASE_SYSTEM_PROMPT: str = prompt_template("system", "full")
LLAMA_SYSTEM_PROMPT: str = prompt_template("system", "compact")
TINYLLAMA_SYSTEM_PROMPT: str = LLAMA_SYSTEM_PROMPT
SUBCALL_SYSTEM_PROMPT: str = prompt_template("subcall_system", "full")
RECURSIVE_SUBCALL_SYSTEM_PROMPT: str = prompt_template("sub_rlm", "full")
RETRIEVAL_SYSTEM_PROMPT_SUPPLEMENT: str = ""


def _refused(name: str) -> NoReturn:
    raise ConfigError(
        f"prompts.{name}() is not supported by rlm_rs: the runtime builds the root model's "
        "messages from its prompt templates (rlm-prompts' prompts/ files); pass "
        "RLM(system_prompt=...) to replace the system prompt"
    )


def build_system_prompt(*args: Any, **kwargs: Any) -> NoReturn:
    """Refused (``ConfigError``): see the module docs."""
    _refused("build_system_prompt")


def build_root_user_message(*args: Any, **kwargs: Any) -> NoReturn:
    """Refused (``ConfigError``): see the module docs."""
    _refused("build_root_user_message")


def build_iteration_message(*args: Any, **kwargs: Any) -> NoReturn:
    """Refused (``ConfigError``): see the module docs."""
    _refused("build_iteration_message")


__all__ = [
    "BASE_SYSTEM_PROMPT",
    "LLAMA_SYSTEM_PROMPT",
    "RECURSIVE_SUBCALL_SYSTEM_PROMPT",
    "RETRIEVAL_SYSTEM_PROMPT_SUPPLEMENT",
    "SUBCALL_SYSTEM_PROMPT",
    "TINYLLAMA_SYSTEM_PROMPT",
    "build_iteration_message",
    "build_root_user_message",
    "build_system_prompt",
]
