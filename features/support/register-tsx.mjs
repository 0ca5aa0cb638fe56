// Lets cucumber-js import the TypeScript support code and steps: registers tsx's ESM hooks in
// this process (and in each parallel worker) before the first .ts file is imported.
// (cucumber's `loader` option cannot take tsx: it wants to be registered through its own API.)
import { register } from 'tsx/esm/api';

register();
