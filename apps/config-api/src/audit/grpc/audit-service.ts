import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import { badRequest, type ResourceSchema } from '#libs/domain';
import type { RecordedEvent } from '#libs/event-store';
import type { ConfigDiff, ObjectChange as DiffObjectChange, ProjectionCheck as Check, VerifyReport } from '#libs/projections';
import type {
  AuditEvent,
  AuditServiceServer,
  ClusterAtRequest,
  ClusterAtResponse,
  ClustersAtRequest,
  ClustersAtResponse,
  DiffRequest,
  DiffResponse,
  ObjectAtRequest,
  ObjectAtResponse,
  ObjectChange,
  ProjectAtRequest,
  ProjectAtResponse,
  ProjectionCheck,
  ReadEventsRequest,
  ReadEventsResponse,
  VerifyResponse,
} from '#libs/proto';
import { INTERNAL_FAILURE, grpcFailureOf, statusOf } from '../../grpc/grpc-errors.js';
import { required } from '../../grpc/grpc-request.js';
import { objectJsonOf } from '../../grpc/object-json.js';
import type { GrpcAuthGate } from '../../auth/grpc-auth-gate.js';
import type { AsOf, AuditQueries, ObjectsAsOf } from '../audit-queries.js';
import { parseEventQuery } from '../event-filter.js';

/**
 * contrail.audit.v1.AuditService over the same queries, checks and errors as REST's /audit/* routes
 * (audit.controller.ts). Objects are rendered as ConfigService.Get renders them (no hrefs), from the state of the
 * time asked for. Errors map to gRPC codes once, in grpc/grpc-errors.ts.
 */
export class AuditService {
  constructor(
    private readonly audit: AuditQueries,
    private readonly schema: ResourceSchema,
    private readonly onUnexpected: (error: unknown, method: string) => void,
    /** Authentication and the audit right (auth/grpc-auth-gate.ts); none: every call is let through. */
    private readonly gate?: GrpcAuthGate,
  ) {}

  /** The grpc-js implementation object. */
  implementation(): AuditServiceServer {
    return {
      readEvents: this.unary('ReadEvents', (call) => this.readEvents(call.request)),
      objectAt: this.unary('ObjectAt', (call) => this.objectAt(call.request)),
      projectAt: this.unary('ProjectAt', (call) => this.projectAt(call.request)),
      clustersAt: this.unary('ClustersAt', (call) => this.clustersAt(call.request)),
      clusterAt: this.unary('ClusterAt', (call) => this.clusterAt(call.request)),
      diff: this.unary('Diff', (call) => this.diff(call.request)),
      verify: this.unary('Verify', () => this.verify()),
    };
  }

  async readEvents(req: ReadEventsRequest): Promise<ReadEventsResponse> {
    // The REST parameters by the same names: one parser, one set of checks and messages.
    const raw: Record<string, string> = {
      stream: req.stream,
      uuid: req.uuid,
      type: req.types.join(','),
      fq_name: req.fqName.join(':'),
      object_type: req.objectType,
      actor: req.actor,
      source: req.source,
      since: req.since,
      until: req.until,
      after: req.after > 0 ? String(req.after) : '',
      before: req.before > 0 ? String(req.before) : '',
      limit: req.limit > 0 ? String(req.limit) : '',
    };
    const page = await this.audit.events(parseEventQuery(raw));
    return { events: page.events.map(eventMessageOf), next: page.next ?? undefined };
  }

  async objectAt(req: ObjectAtRequest): Promise<ObjectAtResponse> {
    const uuid = required(req.uuid, 'uuid', 'the uuid of an object');
    const found = await this.audit.objectAt(uuid, asOfOf(req.at));
    const [object] = found.objects;
    return { objectJson: this.render(found)[0], type: object.type, position: found.position };
  }

  async projectAt(req: ProjectAtRequest): Promise<ProjectAtResponse> {
    const uuid = required(req.uuid, 'uuid', 'the uuid of a project');
    const found = await this.audit.projectAt(uuid, asOfOf(req.at));
    return { objectsJson: this.render(found), position: found.position };
  }

  async clustersAt(req: ClustersAtRequest): Promise<ClustersAtResponse> {
    return this.audit.clustersAt(asOfOf(req.at, 'the point in the log to list the clusters at'));
  }

  async clusterAt(req: ClusterAtRequest): Promise<ClusterAtResponse> {
    const cluster = required(req.cluster, 'cluster', 'the name of a cluster');
    const state = await this.audit.clusterAt(cluster, asOfOf(req.at, "the point in the log to read the cluster's desired state at"));
    return { desiredStateJson: JSON.stringify(state), position: state.position };
  }

  async diff(req: DiffRequest): Promise<DiffResponse> {
    if (!req.from) throw badRequest('from_position or from_time is required', 'from_position');
    const from: AsOf = req.from.$case === 'fromPosition' ? { position: req.from.value } : { time: req.from.value };
    const to: AsOf | undefined = !req.to ? undefined : req.to.$case === 'toPosition' ? { position: req.to.value } : { time: req.to.value };
    return diffMessageOf(await this.audit.diff(from, to));
  }

  async verify(): Promise<VerifyResponse> {
    return verifyMessageOf(await this.audit.verify());
  }

  private render(found: ObjectsAsOf): string[] {
    return found.objects.map((object) => objectJsonOf(object, found.state, this.schema));
  }

  private unary<Req, Res>(method: string, work: (call: ServerUnaryCall<Req, Res>) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const admitted = this.gate ? this.gate.admit(call, 'AuditService', method) : Promise.resolve();
      admitted.then(() => work(call)).then(
        (response) => callback(null, response),
        (error: unknown) => {
          const failure = grpcFailureOf(error);
          if (!failure) this.onUnexpected(error, method);
          callback(statusOf(failure ?? INTERNAL_FAILURE));
        },
      );
    };
  }
}

function asOfOf(at: ObjectAtRequest['at'], what = 'the point in the log to read the object at'): AsOf {
  if (!at) throw badRequest(`position or time is required: ${what}`, 'position');
  return at.$case === 'position' ? { position: at.value } : { time: at.value };
}

export function eventMessageOf(event: RecordedEvent): AuditEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt,
    dataJson: JSON.stringify(event.data),
    metadataJson: JSON.stringify(event.metadata),
  };
}

/** A field's value as JSON text; a field that is not set (null in the diff) is ''. */
const jsonOrEmpty = (value: unknown) => (value === null || value === undefined ? '' : JSON.stringify(value));

function changeMessageOf(change: DiffObjectChange): ObjectChange {
  return {
    type: change.type,
    uuid: change.uuid,
    fqName: change.fq_name,
    fields: change.fields.map((f) => ({ field: f.field, beforeJson: jsonOrEmpty(f.before), afterJson: jsonOrEmpty(f.after) })),
    events: change.events.map((e) => ({ position: e.position, type: e.type, actor: e.actor, source: e.source, recordedAt: e.recordedAt })),
  };
}

export function diffMessageOf(diff: ConfigDiff): DiffResponse {
  return {
    from: diff.from,
    to: diff.to,
    created: diff.created.map(changeMessageOf),
    deleted: diff.deleted.map(changeMessageOf),
    changed: diff.changed.map(changeMessageOf),
  };
}

type ConfigDivergence = NonNullable<VerifyReport['firstDivergence']>;

function divergenceMessageOf(divergence: ConfigDivergence | undefined): VerifyResponse['firstDivergence'] {
  return (
    divergence && {
      uuid: divergence.uuid,
      type: divergence.type,
      field: divergence.field ?? '',
      liveJson: jsonOrEmpty(divergence.live),
      rebuiltJson: jsonOrEmpty(divergence.rebuilt),
    }
  );
}

function checkMessageOf(check: Check): ProjectionCheck {
  const common = { projection: check.projection, ok: check.ok, position: check.position, liveDigest: check.liveDigest, rebuiltDigest: check.rebuiltDigest };
  if (check.projection === 'config') return { ...common, objects: check.objects, clusters: 0, firstDivergence: divergenceMessageOf(check.firstDivergence) };
  const d = check.firstDivergence;
  return {
    ...common,
    objects: 0,
    clusters: check.clusters,
    firstDesiredStateDivergence: d && { cluster: d.cluster, kind: d.kind, name: d.name, field: d.field ?? '', liveJson: jsonOrEmpty(d.live), rebuiltJson: jsonOrEmpty(d.rebuilt) },
  };
}

export function verifyMessageOf(report: VerifyReport): VerifyResponse {
  return {
    ok: report.ok,
    position: report.position,
    liveDigest: report.liveDigest,
    rebuiltDigest: report.rebuiltDigest,
    objects: report.objects,
    firstDivergence: divergenceMessageOf(report.firstDivergence),
    projections: report.projections.map(checkMessageOf),
  };
}
