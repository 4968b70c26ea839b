// The generated protocol code that apps use, re-exported by name. Every generated file also exports helpers with
// the same names (DeepPartial, MessageFns, protobufPackage), so `export *` of two files would clash: list them.
// The files under generated/ come from `node scripts/gen-proto.js` (run by `npm run build` and by jest).
export {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListRequest,
  HealthListResponse,
  HealthService,
  HealthClient,
  type HealthServer,
} from './generated/grpc/health/v1/health.js';
export {
  CreateRequest,
  CreateResponse,
  GetRequest,
  GetResponse,
  ListRequest,
  ListResponse,
  UpdateRequest,
  UpdateResponse,
  DeleteRequest,
  DeleteResponse,
  RefUpdateRequest,
  RefUpdateRequest_Operation as RefOperation,
  RefUpdateResponse,
  FqNameToIdRequest,
  FqNameToIdResponse,
  IdToFqNameRequest,
  IdToFqNameResponse,
  WatchRequest,
  WatchEvent,
  WatchEvent_Kind as WatchEventKind,
  ConfigServiceService,
  ConfigServiceClient,
  type ConfigServiceServer,
} from './generated/contrail/config/v1/config.js';
