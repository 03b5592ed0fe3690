import { useUsers } from '../api/users';

/** A user's name when the user list is readable, else the id. */
export function UserName({ id }: { id: string | null | undefined }) {
  const users = useUsers(Boolean(id));
  if (!id) return null;
  const user = users.data?.items.find((u) => u.id === id);
  return <>{user ? user.name || user.email : id}</>;
}
