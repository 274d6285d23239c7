/**
 * `GET /docs`: a readable reference of the API, rendered in the browser by Swagger UI
 * from /openapi.json. Everything comes from this origin: the renderer from the Worker's
 * static assets (copied from npm at build time), the start-up script from here, so the
 * page's CSP allows no other origin and no inline script.
 */
import { Hono } from "hono";
import { notFound } from "../lib/errors";
import { API_DOCUMENT_PATH } from "./api-document";
import type { AppEnv } from "./carts";

export const API_REFERENCE_PATH = "/docs";
/** The renderer's files in the static assets (scripts/build-docs-assets.ts). */
export const API_REFERENCE_ASSETS = { script: "/docs/swagger-ui-bundle.js", style: "/docs/swagger-ui.css" };
const START_SCRIPT_PATH = "/docs/start.js";

// Swagger UI sets element styles from its script and draws icons as data: URLs.
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edge Checkout API reference</title>
<link rel="stylesheet" href="${API_REFERENCE_ASSETS.style}">
</head>
<body>
<noscript>This reference is drawn by a script; the document itself is at <a href="${API_DOCUMENT_PATH}">${API_DOCUMENT_PATH}</a>.</noscript>
<div id="reference" data-document="${API_DOCUMENT_PATH}"></div>
<script src="${API_REFERENCE_ASSETS.script}"></script>
<script src="${START_SCRIPT_PATH}"></script>
</body>
</html>
`;

// No validator badge (it would call validator.swagger.io) and no "Try it out" by default.
const START_SCRIPT = `"use strict";
const root = document.getElementById("reference");
SwaggerUIBundle({ url: root.dataset.document, domNode: root, validatorUrl: null, deepLinking: true, docExpansion: "list", defaultModelsExpandDepth: 0 });
`;

export const apiReferenceRoutes = new Hono<AppEnv>();

apiReferenceRoutes.get(API_REFERENCE_PATH, (c) => {
  c.header("Content-Security-Policy", PAGE_CSP);
  c.header("Cache-Control", "no-cache");
  return c.html(PAGE);
});

apiReferenceRoutes.get(START_SCRIPT_PATH, (c) => {
  c.header("Cache-Control", "no-cache");
  return c.body(START_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8" });
});

const ASSET_PATHS = new Set(Object.values(API_REFERENCE_ASSETS));

apiReferenceRoutes.get(`${API_REFERENCE_PATH}/*`, async (c) => {
  const path = new URL(c.req.url).pathname;
  if (!ASSET_PATHS.has(path)) throw notFound("Asset", { path });
  const asset = await c.env.ASSETS.fetch(new Request(new URL(path, c.req.url), { headers: c.req.raw.headers }));
  if (asset.status !== 200 && asset.status !== 304) throw notFound("Asset", { path });
  return new Response(asset.body, asset); // headers made mutable, so the middleware adds its own
});
