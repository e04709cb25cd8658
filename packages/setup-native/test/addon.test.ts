import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { addonLoads, buildAddon, nodeHeaders, sourceHash } from '../src/addon';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-addon-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A tiny N-API addon exporting its source hash and answer() = 42. */
const SOURCE = `#include <node_api.h>
#ifndef TINY_SOURCE
#define TINY_SOURCE "unknown"
#endif
static napi_value answer(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_int32(env, 42, &v);
  return v;
}
NAPI_MODULE_INIT() {
  napi_value v;
  napi_create_string_utf8(env, TINY_SOURCE, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "source", v);
  napi_create_function(env, "answer", NAPI_AUTO_LENGTH, answer, NULL, &v);
  napi_set_named_property(env, exports, "answer", v);
  return exports;
}
`;

describe('sourceHash', () => {
  it("is the SHA-256 of the file's bytes", () => {
    const file = path.join(dir, 'abc.txt');
    fs.writeFileSync(file, 'abc');
    // FIPS 180-2's example: SHA-256("abc").
    expect(sourceHash(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('covers the local headers a source includes, in order, so a shared header change rebuilds its addons', () => {
    const source = '#include <stdio.h>\n#include "one.h"\n  # include "two.h"\nint x;\n';
    const file = path.join(dir, 'with-headers.c');
    fs.writeFileSync(file, source);
    fs.writeFileSync(path.join(dir, 'one.h'), 'int one;\n');
    fs.writeFileSync(path.join(dir, 'two.h'), 'int two;\n');
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(sourceHash(file)).toBe(sha(source + 'int one;\n' + 'int two;\n'));
    fs.writeFileSync(path.join(dir, 'two.h'), 'int two = 2;\n');
    expect(sourceHash(file)).toBe(sha(source + 'int one;\n' + 'int two = 2;\n'));
  });
});

describe('addonLoads', () => {
  it('names why a missing addon does not load', () => {
    const file = path.join(dir, 'x.c');
    fs.writeFileSync(file, SOURCE);
    expect(addonLoads(path.join(dir, 'missing.node'), file, '')).toMatch(/Cannot find module/);
  });
});

const canCompile = nodeHeaders() !== undefined && spawnSync('cc', ['--version']).status === 0;
(canCompile ? describe : describe.skip)('buildAddon (needs cc and node headers)', () => {
  const source = path.join(dir, 'tiny.c');
  const addon = path.join(dir, 'out', 'tiny.node');
  const build = (probe: string, force = false, text = SOURCE) => {
    fs.writeFileSync(source, text);
    const log: string[] = [];
    const ok = buildAddon({ name: 'tiny', source, addon, hashMacro: 'TINY_SOURCE', libs: [], probe, needs: 'a C compiler' }, force, (m) =>
      log.push(m),
    );
    return { ok, log };
  };
  const PROBE = "if (a.answer() !== 42) throw new Error('wrong answer');";

  it('compiles, checks the probe in a fresh process, and rebuilds only when the source changed', () => {
    const first = build(PROBE);
    expect(first.ok).toBe(true);
    expect(first.log[0]).toMatch(/^\$ cc -O3 -fPIC -shared -std=gnu11 -DTINY_SOURCE="[0-9a-f]{64}" /);
    expect(first.log[0]).not.toMatch(/-march/);
    expect(first.log.at(-1)).toBe(`tiny: ready (${addon})`);
    expect(build(PROBE).log).toEqual(['tiny: loads; nothing to do']);
    // Another source: the compiled-in hash no longer matches, so it is rebuilt.
    expect(addonLoads(addon, source, PROBE)).toBe('');
    fs.writeFileSync(source, `${SOURCE}\n/* changed */\n`);
    expect(addonLoads(addon, source, PROBE)).toMatch(/built from another version of tiny.c/);
    expect(build(PROBE, false, `${SOURCE}\n/* changed */\n`).log.at(-1)).toBe(`tiny: ready (${addon})`);
  });

  it('removes an addon whose probe fails, and reports a compile failure', () => {
    const wrong = build("if (a.answer() !== 41) throw new Error('wrong answer ' + a.answer());", true);
    expect(wrong.ok).toBe(false);
    expect(wrong.log.at(-1)).toBe('tiny: built, but it does not load: Error: wrong answer 42');
    expect(fs.existsSync(addon)).toBe(false);
    const broken = build(PROBE, true, 'this is not C');
    expect(broken.ok).toBe(false);
    expect(broken.log.at(-1)).toBe('tiny: compile failed (needs a C compiler)');
    expect(fs.existsSync(addon)).toBe(false);
  });
});
