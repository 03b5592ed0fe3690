import { useState } from 'react';
import { App, Form, Input, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';
import { applyFormErrors } from '../api/formErrors';
import { SEAT_NUMBER_TAKEN, useCreateSeat, useUpdateSeat } from '../api/seats';
import type { Seat } from '../api/types';
import { ErrorAlert } from './ErrorAlert';
import { UserSelect } from './UserSelect';

interface Values {
  number: string;
  userId: string | null;
  displayName: string;
}

interface Props {
  /** the seat to edit; null adds a new one */
  seat: Seat | null;
  onClose: () => void;
  /** after POST /seats: the new seat and its password (shown once) */
  onCreated: (seat: Seat, password: string) => void;
}

const FIELDS = ['number', 'userId', 'displayName'];

/**
 * Add seat (POST /api/v1/seats {number, userId, displayName}) or edit one (PATCH {userId, displayName});
 * the extension cannot change once created. Mounted per use, so each opening starts from the seat's values.
 */
export function SeatFormModal({ seat, onClose, onCreated }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const create = useCreateSeat();
  const update = useUpdateSeat();
  const [unmatched, setUnmatched] = useState<string[]>([]);
  const [numberTaken, setNumberTaken] = useState(false);
  const mutation = seat ? update : create;

  const onError = (err: unknown) => {
    if (isApiError(err) && err.code === SEAT_NUMBER_TAKEN) {
      setNumberTaken(true);
      form.setFields([{ name: 'number', errors: [t('seats.numberTaken')] }]);
      return;
    }
    setUnmatched(applyFormErrors(form, err, FIELDS));
  };

  const onFinish = (values: Values) => {
    setUnmatched([]);
    setNumberTaken(false);
    const displayName = values.displayName?.trim() || null;
    const userId = values.userId || null;
    if (seat) {
      update.mutate(
        { id: seat.id, body: { userId, displayName } },
        {
          onSuccess: () => {
            message.success(t('seats.saved'));
            onClose();
          },
          onError,
        },
      );
    } else {
      create.mutate(
        { number: values.number.trim(), userId, displayName },
        {
          onSuccess: (res) => {
            message.success(t('seats.created', { number: res.seat.number }));
            onCreated(res.seat, res.password);
          },
          onError,
        },
      );
    }
  };

  return (
    <Modal
      open
      title={seat ? t('seats.editTitle', { number: seat.number }) : t('seats.add')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: mutation.isPending, 'data-testid': 'seat-form-save' }}
    >
      {mutation.isError && !numberTaken && <ErrorAlert error={mutation.error} extra={unmatched} style={{ marginBottom: 16 }} />}
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={onFinish}
        autoComplete="off"
        initialValues={{ number: seat?.number ?? '', userId: seat?.userId ?? null, displayName: seat?.displayName ?? '' }}
      >
        <Form.Item
          name="number"
          label={t('seats.number')}
          extra={t('seats.numberHint')}
          rules={
            seat
              ? []
              : [
                  { required: true, whitespace: true, message: t('validation.required') },
                  { pattern: /^\s*\d+\s*$/, message: t('seats.numberDigits') },
                ]
          }
        >
          <Input disabled={Boolean(seat)} inputMode="numeric" data-testid="seat-form-number" />
        </Form.Item>
        <Form.Item name="userId" label={t('seats.user')} extra={t('seats.userHint')}>
          <UserSelect testId="seat-form-user" />
        </Form.Item>
        <Form.Item name="displayName" label={t('seats.displayName')} extra={t('seats.displayNameHint')}>
          <Input data-testid="seat-form-display-name" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
