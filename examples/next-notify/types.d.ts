/// <reference types="next" />
/// <reference types="next/image-types/global" />
// Next.js generates next-env.d.ts on build (gitignored); these references are what type-checking
// needs before any build, e.g. in CI on a clean clone.
