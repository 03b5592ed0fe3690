import type { ReactNode } from 'react';
import { Card, Flex, Typography } from 'antd';
import { LanguageSwitch } from './LanguageSwitch';

/** Centered card used by the sign-in and setup pages, with the language switch. */
export function AuthShell({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="hl-auth">
      <Card className="hl-auth-card">
        <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {title}
          </Typography.Title>
          <LanguageSwitch />
        </Flex>
        {children}
      </Card>
    </div>
  );
}
