// The Nest composition layer every app shares (DESIGN §2, §8): logging, the event store as a provider, the HTTP
// edge with /health and /metrics, and the gRPC server with its health service. Domain and protocol code never
// import this library; apps do.
export { createLogger, type CreateLoggerOptions, type Logger } from './logging/create-logger.js';
export { NestPinoLogger } from './logging/nest-pino-logger.js';
export { routeGrpcJsLogs } from './logging/grpc-js-logs.js';
export { EVENT_STORE } from './event-store/event-store.token.js';
export { EventStoreModule } from './event-store/event-store.module.js';
export { openEventStore } from './event-store/open-event-store.js';
export { Metrics, type LimitName } from './http/metrics.js';
export { LIVE_HEAP_METRIC, registerLiveHeapGauge } from './http/live-heap-gauge.js';
export { ProjectionMetrics, type ProjectionProbe, type ProjectionReport, type ProjectionLagSample } from './http/projection-metrics.js';
export { OperationsModule } from './http/operations.module.js';
export { HealthController, HEALTH_STORE_TIMEOUT_MS, type HealthBody } from './http/health.controller.js';
export { HttpErrorFilter, type HttpErrorBody } from './http/http-error.filter.js';
export { OutageLog, OUTAGE_WINDOW_MS, type FailedRequest, type OutageLogOptions, type OutageLogSink } from './http/outage-log.js';
export { httpMetricsMiddleware, UNMATCHED_ROUTE } from './http/http-metrics.middleware.js';
export { configureHttpEdge, type HttpEdgeOptions } from './http/configure-http.js';
export { closeHttpServer } from './http/close-http-server.js';
export { GrpcServer } from './grpc/grpc-server.js';
export { HealthStatusBoard, WHOLE_SERVER, type HealthWatcher } from './grpc/health-status-board.js';
export { healthService, MAX_LISTED_SERVICES } from './grpc/health-service.js';
export { GrpcModule, GrpcServerHost, GRPC_LISTENER_OPTIONS, type GrpcListenerOptions } from './grpc/grpc.module.js';
export { messageSizeLimitInterceptor, type MessageSizeLimit } from './grpc/message-size-limit.js';
export {
  startNestService,
  type ServiceListeners,
  type ListeningAddresses,
  type ListeningDetails,
  type RunningService,
  type ShutdownOutcome,
} from './bootstrap/start-nest-service.js';
export { runMain, EXIT_FAILURE, EXIT_INVALID_CONFIG, type MainOptions } from './bootstrap/run-main.js';
export { SERVER_TLS, ServerTls } from './tls/server-tls.js';
export { TlsCertificates, type TlsCertificatesOptions, type TlsCheckOutcome } from './tls/tls-certificates.js';
