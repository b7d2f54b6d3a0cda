import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

/**
 * The replica app transpiled once to plain JavaScript in a temp dir, so each
 * replica process starts with `node` alone instead of loading TypeScript
 * itself (three processes compiling the same files would dominate the test).
 */
export class ReplicaBuild {
  private constructor(readonly outDir: string) {}

  /** Transpiles `lib/` and `test/src/replicas/` (no type check: tsc and ts-jest do that). */
  static create(): ReplicaBuild {
    const outDir = mkdtempSync(join(tmpdir(), 'aioclock-replicas-'));
    const { config } = ts.readConfigFile(
      join(ROOT, 'tsconfig.json'),
      ts.sys.readFile,
    );
    const { options } = ts.convertCompilerOptionsFromJson(
      config.compilerOptions,
      ROOT,
    );
    for (const file of [...tsFiles(join(ROOT, 'lib')), ...tsFiles(__dirname)]) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { ...options, sourceMap: false, declaration: false },
        fileName: file,
      });
      const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
    return new ReplicaBuild(outDir);
  }

  /** The compiled entry point of a replica process. */
  get main(): string {
    return join(this.outDir, relative(ROOT, __dirname), 'replica.main.js');
  }

  /** Where the compiled files find their packages. */
  get nodePath(): string {
    return join(ROOT, 'node_modules');
  }

  /** Removes the temp dir. */
  dispose(): void {
    rmSync(this.outDir, { recursive: true, force: true });
  }
}
