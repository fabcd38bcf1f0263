// ESLint flat config. Style is enforced by machines, not by review
// (docs/style.md, Machines enforce style): this file carries the type-aware rules and the
// dependency direction between layers; the mechanical bans that are easier to express as text
// live in test/tidy.test.ts.
//
// ESLint requires a default export from its config file; this is the one exception to the
// project's named-exports-only rule, and it sits outside src/ where tidy.test.ts looks.
import eslint from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

const maxLen = [
  "error",
  {
    code: 100,
    tabWidth: 2,
    // A URL or a long string message is clearer left whole than wrapped.
    ignoreUrls: true,
    ignoreStrings: true,
    ignoreTemplateLiterals: true,
    ignoreRegExpLiterals: true,
  },
];

// Dependency direction (docs/style.md, Layers and dependencies):
// core <- storage, state-machine, transport <- node <- api.
// Each arrow is "is imported by", so the rules below forbid the reverse arrows.
const coreImports = {
  patterns: [
    {
      regex: "^(?!\\./)",
      message: "src/core is pure: it imports only its own ./ siblings (no node:*, no packages).",
    },
    {
      regex: "(^|/)\\.\\.(/|$)",
      message: "src/core imports only from src/core.",
    },
  ],
};

const upperLayer = (layer) => ({
  regex: `^\\.{1,2}/(.*/)?${layer}(/|$)`,
  message: `Dependencies point one way (docs/style.md): this layer may not import src/${layer}.`,
});

export default defineConfig([
  // .scratch/ holds untracked local experiments (gitignored), never part of the build.
  globalIgnores(["dist/", "node_modules/", "src/gen/", "coverage/", ".scratch/", "data/"]),

  eslint.configs.recommended,

  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        // Every member of a union must have its own case, even when there is a `default`, so
        // a new member cannot slip into a catch-all. A `default` after all the cases is still
        // allowed: `default: return assertNever(x, "...")` guards data from outside at runtime.
        { allowDefaultCaseForExhaustiveSwitch: true, considerDefaultExhaustiveForUnions: false },
      ],
      "max-lines-per-function": [
        "error",
        { max: 70, skipBlankLines: true, skipComments: true, IIFEs: true },
      ],
      "max-len": maxLen,

      // Relaxed on purpose. With noUncheckedIndexedAccess every `arr[i]` is `T | undefined`;
      // inside a loop bounded by `arr.length` the read cannot miss, and `arr[i]!` says so
      // more clearly than a redundant assert() per element (see membership-config.ts).
      "@typescript-eslint/no-non-null-assertion": "off",
      // Terms, indexes and ids are (branded) numbers; interpolating them is the common case
      // and is unambiguous. Objects, unions with undefined and the like still need String().
      // The options object replaces the rule's permissive defaults, so every other kind is
      // listed as disallowed to keep the strict preset's intent.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        {
          allowNumber: true,
          allowAny: false,
          allowArray: false,
          allowBoolean: false,
          allowNever: false,
          allowNullish: false,
          allowRegExp: false,
        },
      ],
      // `() => doThing()` is the ordinary shape of a callback (and of expect(...).toThrow()),
      // and `case "x": return handleX(m);` is the ordinary shape of a dispatch in a function
      // that itself returns void; braces or a separate `return;` would add noise only.
      "@typescript-eslint/no-confusing-void-expression": [
        "error",
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
    },
  },

  {
    // Tests: describe blocks and table-driven cases are long by nature.
    files: ["**/*.test.ts"],
    rules: {
      "max-lines-per-function": "off",
    },
  },

  {
    // Unit tests beside core code are not core: they may use fast-check and test harnesses.
    files: ["src/core/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", coreImports] },
  },
  {
    files: ["src/storage/**/*.ts", "src/state-machine/**/*.ts", "src/transport/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [upperLayer("node"), upperLayer("api")] }],
    },
  },
  {
    files: ["src/node/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [upperLayer("api")] }] },
  },

  {
    // Plain JavaScript config files (this one, jest.config.cjs) are not in tsconfig.json,
    // so they get the untyped recommended rules only.
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    rules: { "max-len": maxLen },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
]);
