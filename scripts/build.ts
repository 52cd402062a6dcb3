// `npm run build` (also `prepare`, so `npm ci` runs it, and the Dockerfile): bundles the command into dist/ with
// esbuild. A bundle starts far faster than hundreds of separate modules: `check` used to spend most of its start-up
// resolving, reading and compiling files, most of them @kubernetes/client-node's generated API, which the bundle
// leaves out as `check` uses only its KubeConfig. Code splitting keeps every command's own modules in chunks of
// their own: `--help` and `check` never load the service, the store or the SDKs. Type checking stays with tsc
// (`npm run typecheck`); esbuild only strips the types.
//
// Bundled: our sources and the few libraries every command loads (BUNDLED). Every other dependency stays an
// import resolved from node_modules at run time: the service's (fastify, pino, PGlite, pg, prom-client, the
// Anthropic SDK) find files of their own beside their modules (WebAssembly, worker scripts, optional native
// modules), and they load only for the commands that need them anyway.
import { cpSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUNDLED = new Set(["@kubernetes/client-node", "commander", "undici", "yaml", "zod"]);

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, Record<string, string>>;
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

// Migrations are read from their directory at run time (src/store/migrate.ts): each one is an entry of its own.
const migrations = readdirSync(join(root, "src/store/migrations"))
  .filter((f) => /^\d+-[\w-]+\.ts$/.test(f))
  .map((f) => `src/store/migrations/${f}`);

// @kubernetes/client-node's modules only declare classes and functions (its one global change, polyfill.js, adds
// `File`, which Node 24 has), but it does not say so in its package.json ("sideEffects"): without this, its
// generated API (thousands of model classes, 2.8 MB) would be bundled in full although we use only its KubeConfig.
const CLIENT_NODE = Symbol("client-node");
const clientNodeHasNoSideEffects: Plugin = {
  name: "client-node-side-effect-free",
  setup(b) {
    b.onResolve({ filter: /./ }, async ({ path, importer, kind, resolveDir, pluginData }) => {
      const ours = path === "@kubernetes/client-node" || importer.includes("/@kubernetes/client-node/");
      if (!ours || pluginData === CLIENT_NODE) return undefined;
      const result = await b.resolve(path, { importer, kind, resolveDir, pluginData: CLIENT_NODE });
      if (result.errors.length > 0 || !result.path.includes("/@kubernetes/client-node/dist/")) return result;
      return { ...result, sideEffects: false };
    });
  },
};

// An ESM import of node:http reads every export, and three of them (WebSocket, CloseEvent, MessageEvent) are lazy
// getters that load Node's internal copy of undici (~10 ms at every start). Imported through require() instead, as
// the bundle does for CommonJS, each export is read only where it is used.
const httpThroughRequire: Plugin = {
  name: "node-http-through-require",
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, ({ kind }) =>
      kind === "import-statement" ? { path: "node:http", namespace: "cjs-builtin" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "cjs-builtin" }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(path)});`,
      loader: "js",
    }));
  },
};

rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts", ...migrations],
  outbase: "src",
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node24",
  external,
  plugins: [clientNodeHasNoSideEffects, httpThroughRequire],
  sourcemap: "linked",
  // Without comments and indentation, and every character outside ASCII escaped: V8 keeps each chunk's source for
  // as long as the process runs, and one such character (an em dash in a comment) stores the whole chunk in two
  // bytes per character. Names stay as written, so a stack trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: "ascii",
  legalComments: "external", // the licences of bundled code, kept beside each chunk (X.js.LEGAL.txt)
  logLevel: "warning",
  // The bundled CommonJS libraries (client-node's dependencies) call require(): give every ESM chunk one.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
});
cpSync(join(root, "src/server/dashboard/static"), join(root, "dist/server/dashboard/static"), { recursive: true });
