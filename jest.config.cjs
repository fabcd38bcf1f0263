// jest runs the TypeScript sources directly through swc (no type checking here: `tsc` and
// eslint do that). Sources use NodeNext ESM `.js` specifiers; swc emits CommonJS for jest,
// so the mapper strips the extension back off relative imports.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/src", "<rootDir>/test", "<rootDir>/examples"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "commonjs" },
        sourceMaps: "inline",
      },
    ],
  },
  // The examples import the package by its name, as another project would; here that name
  // is the source entry, so tests need no build.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1", "^raftkv$": "<rootDir>/src/index.ts" },
  testTimeout: 120000,
};
