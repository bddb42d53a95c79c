/**
 * The daily SLA run (AWS: the `sla` schedule; locally the health worker): yesterday's rollups for the whole fleet,
 * every organisation's month to date, and on the first days of a month the previous month's final report, which is
 * never changed afterwards. Reports themselves are built and signed by the SLA report service.
 */
import { isPlatformNode } from '../../shared/domain/platform.ts';
import { dayOf, dayRange, monthOf, monthRange } from '../../shared/domain/sla.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { existedDuring, SlaReportService } from '../services/sla/sla-report.service.ts';

const DAY_MS = 86_400_000;

export class SlaReporter extends SlaReportService {
  /** Yesterday's rollups, each organisation's month to date, last month's final reports. */
  async runDaily(): Promise<{ rollups: number; reports: number }> {
    const now = this.deps.clock().getTime();
    const yesterday = dayOf(now - DAY_MS);
    const fleet = await this.deps.nodes.listFleet();
    const dayInterval = dayRange(yesterday);
    const active = fleet.filter((node) => existedDuring(node, dayInterval));
    for (const node of active) await this.rollupDay(node, yesterday);
    // Organisations' reports; the platform's own nodes (genesis validators) are in no organisation's report.
    const orgIds = [...new Set(fleet.filter((node) => !isPlatformNode(node)).map((node) => node.orgId))];
    const thisMonth = monthOf(now);
    const lastMonth = monthOf(monthRange(thisMonth).start - 1);
    let reports = 0;
    for (const orgId of orgIds) {
      try {
        if (!(await this.deps.health.getReport(orgId, lastMonth))?.final) {
          await this.store(await this.generate(orgId, lastMonth));
          reports++;
        }
        await this.store(await this.generate(orgId, thisMonth));
        reports++;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        this.deps.logger.warn('no SLA report for a missing organisation', { orgId });
      }
    }
    return { rollups: active.length, reports };
  }
}
