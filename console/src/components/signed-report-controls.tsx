/**
 * The month picker and downloads of a report the platform key signs (SLA and data-protection reports): the JSON
 * exactly as signed, and the server's CSV.
 */
import { apiFile } from '../api/api-client.ts';
import { useAction } from '../api/use-action.ts';
import { downloadFile } from './download.ts';
import { ErrorMessage } from './error-message.tsx';
import { FormField } from './form-field.tsx';

export const thisMonth = () => new Date().toISOString().slice(0, 7);

export const isMonth = (month: string) => /^\d{4}-\d{2}$/.test(month);

export function SignedReportControls(props: {
  /** File names start with it: `carechain-sla`, `carechain-data-protection`. */
  readonly filePrefix: string;
  readonly path: string;
  readonly month: string;
  readonly onMonth: (month: string) => void;
  /** The signed report once loaded; the downloads show only then. */
  readonly signed: unknown;
}) {
  const { filePrefix, path, month, signed } = props;
  const csv = useAction(async () => {
    const file = await apiFile(path, { headers: { accept: 'text/csv' } });
    downloadFile(`${filePrefix}-${month}.csv`, file.body, 'text/csv');
  });
  return (
    <>
      <div className="form-row form-row-end">
        <FormField label="Month">
          <input type="month" value={month} onChange={(e) => props.onMonth(e.target.value)} max={thisMonth()} />
        </FormField>
        {signed !== undefined && (
          <div className="button-row">
            <button
              type="button"
              className="button"
              onClick={() =>
                downloadFile(`${filePrefix}-${month}.json`, JSON.stringify(signed, null, 2), 'application/json')
              }
            >
              Download JSON (signed)
            </button>
            <button type="button" className="button" disabled={csv.pending} onClick={() => void csv.run()}>
              Download CSV
            </button>
          </div>
        )}
      </div>
      <ErrorMessage error={csv.error} />
    </>
  );
}

/** Whether the month is over, and who signed: the lines every signed report shows above its figures. */
export function ReportStatus(props: { readonly final: boolean; readonly signer: string }) {
  return (
    <>
      {!props.final && (
        <p className="muted small">The month is not over: this report runs to date and is final next month.</p>
      )}
      <p className="muted small">
        Signed by <span className="mono break">{props.signer}</span>:{' '}
        <code>ethers.verifyMessage(payload, signature)</code> returns this address.
      </p>
    </>
  );
}
