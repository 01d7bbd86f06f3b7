// Regenerates schemas/src/generated/types.ts from the .avsc files: node --import tsx schemas/scripts/gen-types.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateTypesSource, GENERATED_TYPES_PATH } from '../src/codegen.js';

const source = await generateTypesSource();
writeFileSync(GENERATED_TYPES_PATH, source);
console.log(`wrote ${fileURLToPath(GENERATED_TYPES_PATH)}`);
