import { Navigate, Route, Routes } from 'react-router-dom';
import { RECORD_TYPES } from '../api/recordTypes';
import { ImportPage } from '../pages/ImportPage';
import { MyPhonePage } from '../pages/MyPhonePage';
import { NotFoundPage } from '../pages/NotFoundPage';
import { PhonesPage } from '../pages/PhonesPage';
import { RecordDetailPage } from '../pages/RecordDetailPage';
import { RecordListPage } from '../pages/RecordListPage';
import { SetupPage } from '../pages/SetupPage';
import { SignInPage } from '../pages/SignInPage';
import { UsersPage } from '../pages/UsersPage';
import { AppLayout } from './AppLayout';
import { RequireAdmin } from './RequireAdmin';
import { RequireAuth } from './RequireAuth';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="/setup" element={<SetupPage />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/contacts" replace />} />
        {RECORD_TYPES.map((type) => (
          <Route key={type} path={type}>
            <Route index element={<RecordListPage type={type} key={type} />} />
            <Route path=":id" element={<RecordDetailPage type={type} key={type} />} />
          </Route>
        ))}
        <Route path="import" element={<ImportPage />} />
        <Route path="my-phone" element={<MyPhonePage />} />
        <Route
          path="admin/users"
          element={
            <RequireAdmin>
              <UsersPage />
            </RequireAdmin>
          }
        />
        <Route
          path="admin/phones"
          element={
            <RequireAdmin>
              <PhonesPage />
            </RequireAdmin>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
