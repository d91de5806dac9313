"""``VertexAIAdapter`` (pyrlm's ``pyrlm_runtime.adapters.vertex_ai``): Gemini
on Vertex AI, called by the runtime's own Gemini/Vertex REST client.

``VertexAIAdapter(project_id, location="us-central1", model="gemini-2.5-pro",
timeout=600, max_retries=3, api_transport="rest", logger_instance=None)``
returns the runtime's ``Adapter`` (``complete(messages, max_tokens=,
temperature=)``, usable as ``RLM``'s model). Where it differs from pyrlm's:

* Authentication is a bearer token in ``VERTEX_ACCESS_TOKEN`` (or
  ``GOOGLE_OAUTH_ACCESS_TOKEN``), e.g. from ``gcloud auth print-access-token``;
  Google's SDK and its application-default credentials are not used. Without
  a token, constructing one raises ``ConfigError`` saying so.
* ``VERTEX_BASE_URL`` replaces ``https://{location}-aiplatform.googleapis.com``
  (a proxy, or a local server in tests).
* ``api_transport="grpc"`` is refused (REST only); ``logger_instance`` is
  accepted and not used (every call is in the trace).
"""

from __future__ import annotations

import logging
from typing import Optional

from .._native import Adapter, vertex_ai_adapter
from ..errors import ConfigError


class VertexAIAdapter:
    """Gemini on Vertex AI (see the module docs). A class by name;
    constructing it returns the runtime's ``Adapter``."""

    def __new__(  # type: ignore[misc]
        cls,
        project_id: str,
        location: str = "us-central1",
        model: str = "gemini-2.5-pro",
        timeout: float = 600,
        max_retries: int = 3,
        api_transport: str = "rest",
        logger_instance: Optional[logging.Logger] = None,
    ) -> Adapter:
        if api_transport != "rest":
            raise ConfigError(
                f"VertexAIAdapter(api_transport={api_transport!r}) is not supported by rlm_rs: "
                "it calls Vertex AI's REST API"
            )
        return vertex_ai_adapter(
            project_id, location=location, model=model, timeout=float(timeout), max_retries=max_retries
        )


__all__ = ["VertexAIAdapter"]
