import { Inject, Injectable } from '@nestjs/common';
import { notFound } from '#libs/domain';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { collectionOf, identity, renderObject } from './contrail-view.js';
import { parseListQuery, selectObjects } from './list-query.js';

/** Type lookups and the list answer, shared by the resource routes and the action endpoints. */
@Injectable()
export class ConfigViews {
  constructor(@Inject(CONFIG_API) private readonly api: ConfigApi) {}

  /** The list answer of GET /<type>s and POST /list-bulk-collection. */
  listOf(type: string, raw: Record<string, unknown>, baseUrl: string): unknown {
    const q = parseListQuery(raw);
    const { items, marker } = selectObjects(this.api.projection.state, type, q);
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
