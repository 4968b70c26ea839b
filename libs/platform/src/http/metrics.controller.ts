import { Controller, Get, Header, Res } from '@nestjs/common';
import { Metrics } from './metrics.js';

/** The part of an Express response the controller uses. */
interface TypedResponse {
  type(contentType: string): unknown;
}

/** GET /metrics: Prometheus text exposition of the process's registry. */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: TypedResponse): Promise<string> {
    const { contentType, body } = await this.metrics.scrape();
    res.type(contentType);
    return body;
  }
}
