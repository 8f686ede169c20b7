// aio's KV store for a worklet's JavaScript: no dependencies, `fetch` only (Node 18+, Deno, Bun,
// browsers). Served by aio at AIO_KV_URL + "/client.mjs"; the seed's WorkletKVStore names.
//
//   import { fromEnv } from "./kv.mjs";
//   const kv = fromEnv();                         // AIO_KV_URL, AIO_KV_TOKEN
//   await kv.set("user_prefs", "theme", "dark");
//   await kv.get("user_prefs", "theme");          // "dark"; a missing key: null (or the default)
//
// The namespace comes first; null or undefined means "default". Errors: KVValidationError (a
// broken rule), KVConnectionError (the store cannot be reached), KVError (the rest; see .code).

export class KVError extends Error {
  constructor(message, code = "KV_ERROR", cause = undefined) {
    super(message);
    this.name = "KVError";
    this.code = code;
    this.cause = cause;
  }
}

export class KVConnectionError extends KVError {
  constructor(message, cause = undefined, code = "CONNECTION_ERROR") {
    super(message, code, cause);
    this.name = "KVConnectionError";
  }
}

export class KVValidationError extends KVError {
  constructor(message, code = "VALIDATION_ERROR") {
    super(message, code);
    this.name = "KVValidationError";
  }
}

function errorFrom(body, status) {
  if (!body || typeof body.error !== "string") {
    return new KVError(`the KV server answered HTTP ${status}`, `HTTP_${status}`);
  }
  if (body.kind === "validation") return new KVValidationError(body.error, body.code);
  if (body.kind === "connection") return new KVConnectionError(body.error, undefined, body.code);
  return new KVError(body.error, body.code || "KV_ERROR");
}

export class WorkletKVStore {
  constructor(url, token) {
    if (!url || !token) throw new KVConnectionError("WorkletKVStore: a URL and a token are needed");
    this.url = String(url).replace(/\/+$/, "");
    this.token = token;
  }

  async call(method, params = {}) {
    let body;
    try {
      body = JSON.stringify(params);
    } catch (error) {
      throw new KVValidationError(`${method}: parameters are not JSON (${error.message})`);
    }
    let response;
    try {
      response = await fetch(`${this.url}/${method}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" },
        body,
      });
    } catch (error) {
      throw new KVConnectionError(`cannot reach the KV store at ${this.url}: ${error.message}`, error);
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!response.ok || answer === null || typeof answer !== "object") {
      throw errorFrom(answer, response.status);
    }
    return answer;
  }

  async set(namespace, key, value) {
    if (value === undefined) throw new KVValidationError("value: cannot be undefined");
    await this.call("set", { namespace: namespace ?? null, key, value });
  }

  async get(namespace, key, defaultValue = null) {
    const answer = await this.call("get", { namespace: namespace ?? null, key });
    return answer.found ? answer.result : defaultValue;
  }

  async has(namespace, key) {
    return (await this.call("has", { namespace: namespace ?? null, key })).result;
  }

  async delete(namespace, key) {
    return (await this.call("delete", { namespace: namespace ?? null, key })).result;
  }

  async mset(namespace, entries) {
    await this.call("mset", { namespace: namespace ?? null, entries });
  }

  async mget(namespace, keys) {
    return (await this.call("mget", { namespace: namespace ?? null, keys })).result;
  }

  async list(options = {}) {
    const params = {};
    for (const name of ["namespace", "pattern", "limit", "offset"]) {
      if (options[name] !== undefined && options[name] !== null) params[name] = options[name];
    }
    return (await this.call("list", params)).result;
  }

  async listNamespaces() {
    return (await this.call("listNamespaces")).result;
  }

  async clear(namespace = undefined) {
    return (await this.call("clear", namespace == null ? {} : { namespace })).result;
  }

  async increment(namespace, key, delta = 1) {
    return (await this.call("increment", { namespace: namespace ?? null, key, delta })).result;
  }

  async append(namespace, key, value) {
    await this.call("append", { namespace: namespace ?? null, key, value });
  }

  async getStats() {
    return (await this.call("getStats")).result;
  }

  async exportData() {
    return (await this.call("exportData")).result;
  }

  async importData(data) {
    await this.call("importData", { data });
  }
}

export function fromEnv(env = globalThis.process?.env ?? {}) {
  const missing = ["AIO_KV_URL", "AIO_KV_TOKEN"].filter((name) => !env[name]);
  if (missing.length) {
    throw new KVConnectionError(
      `fromEnv: ${missing.join(" and ")} not set (aio sets them for a worklet it runs)`,
      undefined,
      "NOT_CONFIGURED",
    );
  }
  return new WorkletKVStore(env.AIO_KV_URL, env.AIO_KV_TOKEN);
}

export function createWorkletKVStore(url, token) {
  return url === undefined ? fromEnv() : new WorkletKVStore(url, token);
}
