import 'reflect-metadata';
import { INestApplication, INestApplicationContext, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { CorralConfig } from './config/corral-config';
import { FieldValidationException } from './common/field-validation.exception';
import { StorableBodyPipe } from './common/storable-body.pipe';
import { answerClientErrorsInShape } from './common/http-client-errors';
import { closeConnectionsOnShutdown } from './common/close-connections-on-shutdown';
import { runMigrations } from './persistence/run-migrations';
import { loadServerTls } from './tls/server-tls';
import { attachKubeApiProxy } from './kube-api/attach-kube-api-proxy';
import { KubeApiProxy } from './kube-api/kube-api-proxy';
import { serveConsole } from './web-console/serve-console';

/** Builds the HTTP server (api or all role) with validation, error shape, OpenAPI at /docs and the web console at /. */
export async function createServer(config: CorralConfig, options: { bufferLogs?: boolean } = {}): Promise<INestApplication> {
  await runMigrations(config.databaseUrl, config.databaseSchema);
  const tls = loadServerTls(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bufferLogs: options.bufferLogs ?? true,
    ...(tls ? { httpsOptions: { cert: tls.cert, key: tls.key } } : {}),
  });
  if (config.role !== 'worker') attachKubeApiProxy(app.getHttpServer(), app.get(KubeApiProxy));
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: '2mb' });
  answerClientErrorsInShape(app.getHttpServer());
  keepConnectionsLongerThanClients(app.getHttpServer());
  closeConnectionsOnShutdown(app.getHttpServer());
  serveConsole(app);
  app.useGlobalPipes(
    new StorableBodyPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => FieldValidationException.fromValidationErrors(errors),
    }),
  );
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Corral API').setDescription('Environments, hosts and the agent protocol').setVersion('v1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/**
 * Node closes an idle keep-alive connection after 5 s; a client (agents, the CLI, fetch) that
 * sends on it just then gets "other side closed". Idle connections stay 65 s, longer than the
 * clients and load balancers in front keep theirs (60 s is the common default).
 */
function keepConnectionsLongerThanClients(server: import('node:http').Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}

/** A queue worker without HTTP, so workers scale apart from the API. */
export async function createWorker(config: CorralConfig): Promise<INestApplicationContext> {
  await runMigrations(config.databaseUrl, config.databaseSchema);
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
