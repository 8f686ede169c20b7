"""The worklets' key-value store: the Python client a worklet uses (`aio.kv.from_env()`,
standard library only), and the core's side (service, backends, routes, `aio kv`)."""

from aio.kv.client import KVStore, from_env
from aio.kv.errors import KVAuthError, KVConnectionError, KVError, KVValidationError

WorkletKVStore = KVStore  # the seed's name

__all__ = [
    "KVAuthError",
    "KVConnectionError",
    "KVError",
    "KVStore",
    "KVValidationError",
    "WorkletKVStore",
    "from_env",
]
