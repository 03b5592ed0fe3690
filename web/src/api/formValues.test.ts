import { describe, expect, it } from 'vitest';
import { detailPathToName } from './formErrors';
import { toFormValues, toRequestBody } from './formValues';
import { RECORD_DEFS } from './recordTypes';

const contacts = RECORD_DEFS.contacts;

describe('record form values', () => {
  it('sends phones as {label, number} with the raw text, keeping ids, dropping empty rows', () => {
    const body = toRequestBody(
      contacts,
      { firstName: ' Ann ', lastName: '', phones: [{ id: 'p1', label: 'mobile', number: ' 0912 345 678 ' }, { label: 'work', number: '' }] },
      'create',
    );
    expect(body.phones).toEqual([{ id: 'p1', label: 'mobile', number: '0912 345 678' }]);
    expect(body.firstName).toBe('Ann');
    expect('lastName' in body).toBe(false);
    expect('title' in body).toBe(false);
  });

  it('clears nullable fields with null and non-null names with an empty string on PATCH', () => {
    const body = toRequestBody(contacts, { firstName: 'Ann', lastName: '  ', title: '', phones: [] }, 'patch');
    expect(body.lastName).toBe('');
    expect(body.title).toBeNull();
    expect(body.phones).toEqual([]);
  });

  it('loads a record into the form with phone numbers as typed', () => {
    const values = toFormValues(contacts, {
      firstName: 'Ann',
      phones: [{ id: 'p1', label: 'home', raw: '02 2345 6789', e164: '+886223456789' }],
    });
    expect(values.phones).toEqual([{ id: 'p1', label: 'home', number: '02 2345 6789' }]);
  });

  it('turns error detail paths into form field names', () => {
    expect(detailPathToName('phones.0.number')).toEqual(['phones', 0, 'number']);
    expect(detailPathToName('/body/phones/1/number')).toEqual(['phones', 1, 'number']);
    expect(detailPathToName('email')).toEqual(['email']);
  });
});
