import { Link } from 'react-router-dom';
import { useRecord } from '../api/records';
import { RECORD_DEFS, recordTitle, type RecordTypeKey } from '../api/recordTypes';

/** Link to a record, labelled with its name (fetched by id and cached). */
export function RecordName({ type, id }: { type: RecordTypeKey; id: string | null | undefined }) {
  const record = useRecord(type, id);
  if (!id) return null;
  const label = record.data ? recordTitle(RECORD_DEFS[type], record.data) : record.isError ? id : '…';
  return (
    <Link to={`/${type}/${encodeURIComponent(id)}`} onClick={(e) => e.stopPropagation()}>
      {label}
    </Link>
  );
}
