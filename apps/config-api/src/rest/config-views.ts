import { Inject, Injectable, Optional } from '@nestjs/common';
import { notFound } from '#libs/domain';
import { Metrics } from '#libs/platform';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { collectionOf, identity, renderObject } from './contrail-view.js';
import { DEFAULT_LIST_LIMITS, ListLimitError, parseListQuery, selectObjects, type ListLimits, type ListQuery } from './list-query.js';

/** Nest injection token of the list limits (LIST_MAX_PAGE, LIST_MAX_UNPAGED); DEFAULT_LIST_LIMITS when absent. */
export const LIST_LIMITS = Symbol('LIST_LIMITS');

/** Type lookups and the list answer, shared by the resource routes and the action endpoints. */
@Injectable()
export class ConfigViews {
  private readonly limits: ListLimits;

  constructor(
    @Inject(CONFIG_API) private readonly api: ConfigApi,
    @Optional() @Inject(LIST_LIMITS) limits?: ListLimits,
    @Optional() private readonly metrics?: Metrics,
  ) {
    this.limits = limits ?? DEFAULT_LIST_LIMITS;
    metrics?.limitsServed('list_page_limit', 'list_unpaged');
  }

  /** The list answer of GET /<type>s, POST /list-bulk-collection and gRPC List. */
  listOf(type: string, raw: Record<string, unknown>, baseUrl: string): unknown {
    const { q, items, marker } = this.select(type, raw);
    const collection = collectionOf(type);
    const paged = q.pageLimit !== undefined ? { marker } : {};
    if (q.count) return { [collection]: { count: items.length }, ...paged };
    const options = { baseUrl, excludeHrefs: q.excludeHrefs, fields: q.fields };
    if (q.detail) {
      return { [collection]: items.map((o) => ({ [type]: renderObject(o, this.api.projection.state, this.api.model.schema, options) })), ...paged };
    }
    return {
      [collection]: items.map((o) => {
        const entry = identity(o, options);
        if (q.fields) {
          const full = renderObject(o, this.api.projection.state, this.api.model.schema, { ...options, fields: q.fields });
          for (const f of q.fields) if (f in full) entry[f] = full[f];
        }
        return entry;
      }),
      ...paged,
    };
  }

  /** The query and what it selects; a refusal for a limit counts on contrail_limit_hits_total. */
  private select(type: string, raw: Record<string, unknown>): { q: ListQuery } & ReturnType<typeof selectObjects> {
    try {
      const q = parseListQuery(raw, this.limits.maxPage);
      return { q, ...selectObjects(this.api.projection.state, type, q, this.limits) };
    } catch (error) {
      if (error instanceof ListLimitError) this.metrics?.limitHit(error.limit);
      throw error;
    }
  }

  typeOfCollection(collection: string): string {
    if (collection.endsWith('s')) {
      const type = collection.slice(0, -1);
      if (this.api.model.schema.info(type)) return type;
    }
    throw notFound(`unknown collection '${collection}'`);
  }

  knownType(type: string): string {
    if (!this.api.model.schema.info(type)) throw notFound(`unknown resource type '${type}'`);
    return type;
  }

}
