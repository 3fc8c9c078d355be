import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  installedVersion,
  npmInstall,
  useConsumerFixture,
  writeFiles,
} from '../support/consumer-app.js';
import { tsc } from '../support/package-build.js';
import { directoryOf, docPages, projectOf } from './snippets.js';

const INSTALL_TIMEOUT = 300_000;

/**
 * The tsconfig of a CommonJS Nest 11 app as `nest new` writes it: `module: nodenext` in a package
 * without `"type": "module"` compiles to CommonJS, refuses top-level await (TS1309) and resolves
 * the package's subpaths through its exports map.
 */
const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2023',
    lib: ['es2023', 'dom'],
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['snippets/*/*.ts'],
};

describe('the snippets of the README and of docs/, in a CommonJS Nest 11 app', () => {
  const fixture = useConsumerFixture('nestjs-etp-docs-cjs-', INSTALL_TIMEOUT);

  test(
    'every page compiles against the installed tarball',
    async () => {
      const app = join(fixture.work, 'app');
      writeFiles(app, {
        'package.json': JSON.stringify(
          {
            name: 'etp-docs-cjs-consumer',
            private: true,
            dependencies: {
              '@nestjs/common': '^11.0.0',
              '@nestjs/core': '^11.0.0',
              '@nestjs/platform-express': '^11.0.0',
              '@nestjs/websockets': '^11.0.0',
              '@nestjs/terminus': '^11.0.0',
              '@nestjs/jwt': '^11.0.0',
              '@opentelemetry/api': installedVersion('@opentelemetry/api'),
              '@opentelemetry/sdk-metrics': installedVersion('@opentelemetry/sdk-metrics'),
              '@opentelemetry/exporter-prometheus': installedVersion(
                '@opentelemetry/exporter-prometheus',
              ),
              '@types/node': installedVersion('@types/node'),
              ioredis: installedVersion('ioredis'),
              'nestjs-etp': `file:${fixture.tarball.path}`,
              'reflect-metadata': installedVersion('reflect-metadata'),
              rxjs: installedVersion('rxjs'),
            },
          },
          null,
          2,
        ),
        'tsconfig.json': JSON.stringify(TSCONFIG, null, 2),
      });
      const pages = docPages().filter((page) => page.snippets.length > 0);
      for (const page of pages) {
        const directory = join(app, 'snippets', directoryOf(page));
        mkdirSync(directory, { recursive: true });
        for (const file of projectOf(page, pages[0])) {
          writeFileSync(join(directory, file.name), file.code);
        }
      }
      await npmInstall(app);
      const nest = JSON.parse(
        readFileSync(join(app, 'node_modules/@nestjs/core/package.json'), 'utf8'),
      ) as { version: string };
      expect(nest.version).toMatch(/^11\./);
      await tsc('-p', join(app, 'tsconfig.json'), '--pretty', 'false');
    },
    INSTALL_TIMEOUT,
  );
});
