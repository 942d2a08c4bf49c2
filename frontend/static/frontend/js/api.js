/* The pages' calls to the REST API, on the session cookie with the CSRF token, and the helpers every
 * page's module shares. An ES module:
 *
 *   import {api, element, showError} from "./api.js";
 *   const data = await api.get("villages/", {county: "340321"});   // path under /api/v1/
 *   await api.post("map-jobs/", {kind: "villages", format: "png"});
 *   await api.download("village-assignments/export/", {format: "xlsx"});   // saves the file
 *
 * Every failure is thrown as an ApiError with the API's {code, message, fields, problems}: the message is in
 * the page's language (the request sends the page's language as Accept-Language), and a network
 * failure gets a message of its own. showError(error) puts one in the page.
 * Uses gettext() and interpolate() of the JavaScript catalogue (/jsi18n/), a classic script that
 * base.html loads before any module runs.
 */
const API_ROOT = "/api/v1/";

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.fields = body.fields || {};
    // The rows of a refused file (an import's 422: [{row, column, message}]).
    this.problems = body.problems || [];
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function pageLanguage() {
  return document.documentElement.lang || "zh-Hans";
}

/* An absolute URL for a path under the API root (or an absolute path), with the non-empty params. */
function url(path, params) {
  const target = new URL(path.startsWith("/") ? path : API_ROOT + path, window.location.origin);
  Object.entries(params || {}).forEach(([name, value]) => {
    if (value !== undefined && value !== null && value !== "") {
      target.searchParams.set(name, value);
    }
  });
  return target;
}

/* The response to a call, once it is known to be a success; a failure is thrown as an ApiError. */
async function send(method, path, options, accept) {
  const {params, body} = options || {};
  const headers = {"Accept": accept, "Accept-Language": pageLanguage()};
  if (method !== "GET" && method !== "HEAD") {
    headers["X-CSRFToken"] = csrfToken();
  }
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, params), {method, headers, body: payload, credentials: "same-origin"});
  } catch (networkError) {
    throw new ApiError(0, {
      code: "network",
      message: gettext("The server could not be reached. Check the connection and try again."),
    });
  }
  if (!response.ok) {
    const data = await jsonOf(response);
    const message = data && data.message
      ? data.message
      : interpolate(gettext("The server answered with an error (%s)."), [response.status]);
    throw new ApiError(response.status, {
      code: (data && data.code) || "http_" + response.status,
      message: message,
      fields: (data && data.fields) || {},
      problems: (data && data.problems) || [],
    });
  }
  return response;
}

async function jsonOf(response) {
  if (!(response.headers.get("Content-Type") || "").includes("json")) {
    return null;
  }
  try {
    return await response.json();
  } catch (parseError) {
    return null;
  }
}

async function request(method, path, options) {
  return jsonOf(await send(method, path, options, "application/json"));
}

/* The file a GET answers (an export), saved under the name the server gives (Content-Disposition's
 * filename*, in the page's language). Through fetch rather than a link, so that the request carries
 * the page's language and a refusal (too many rows, say) is thrown as an ApiError to show. */
async function download(path, params) {
  const response = await send("GET", path, {params: params}, "*/*");
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  const name = encoded ? decodeURIComponent(encoded[1]) : plain ? plain[1] : "download";
  const link = element("a", {href: URL.createObjectURL(blob), download: name, hidden: true});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  return name;
}

/* Show an error (an ApiError or any Error) in `container` (default: the page's notice area).
 * The fields' messages are shown without the API's parameter names (such as as_of), which mean nothing
 * to people: the API words each message about a parameter with the parameter's name in the page's
 * language, and the pages show a form field's message beside that field. */
export function showError(error, container) {
  const target = container || document.getElementById("notices");
  const box = document.createElement("div");
  box.className = "error-box";
  box.setAttribute("role", "alert");
  const message = document.createElement("p");
  message.textContent = error && error.message ? error.message : gettext("Something went wrong.");
  box.appendChild(message);
  Object.values((error && error.fields) || {}).forEach((messages) => {
    const line = document.createElement("p");
    line.textContent = [].concat(messages).join(" ");
    if (line.textContent !== message.textContent) box.appendChild(line);
  });
  target.replaceChildren(box);
  return box;
}

/* A button that saves an export as Excel: it waits while the file is made, and a refusal shows in the
 * page's notice area. */
export async function exportFile(button, path, params) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await download(path, Object.assign({format: "xlsx"}, params));
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function clearErrors(container) {
  (container || document.getElementById("notices")).replaceChildren();
}

/* element("a", {href: url, class: "x", text: "label"}, child, ...): a new node. Attributes that
 * are undefined, null or false are left out, true gives an empty attribute, `text` sets the text;
 * null and undefined children are skipped. Shared by every page's script. */
export function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => {
    if (value === undefined || value === null || value === false) {
      return;
    }
    if (name === "text") {
      node.textContent = value;
    } else {
      node.setAttribute(name, value === true ? "" : value);
    }
  });
  children.forEach((child) => {
    if (child !== null && child !== undefined) {
      node.append(child);
    }
  });
  return node;
}

export const api = {
  root: API_ROOT,
  url: url,
  request: request,
  get: (path, params) => request("GET", path, {params: params}),
  post: (path, body, params) => request("POST", path, {body: body, params: params}),
  download: download,
};
