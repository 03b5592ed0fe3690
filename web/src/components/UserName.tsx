import { useUsers } from '../api/users';

/** A user's name (or email) from the tenant's user directory; the id only if the list failed or the user is unknown. */
export function UserName({ id }: { id: string | null | undefined }) {
  const users = useUsers(Boolean(id));
  if (!id) return null;
  // don't flash the raw id while the (cached, shared) list loads
  if (users.isPending) return null;
  const user = users.data?.items.find((u) => u.id === id);
  return <>{user ? user.name || user.email : id}</>;
}
