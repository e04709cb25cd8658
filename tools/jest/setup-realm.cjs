// Jest runs each test file in its own V8 realm, with its own Float32Array,
// ArrayBuffer, ... The native backend (tfjs-node) returns typed arrays of the
// main realm, and tfjs-core's io code (model.save) checks `instanceof` against
// the test realm's constructors: "Unsupported TypedArray subtype: Float32Array".
// Giving the test realm the main realm's constructors makes both agree.
const vm = require('node:vm');

for (const name of [
  'ArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]) {
  globalThis[name] = vm.runInThisContext(name);
}
