/** Sign-in with the admin token, and the console's error page. */
import type { FC } from "hono/jsx";
import { Layout, Notice } from "./layout";

export const SignInPage: FC<{ next: string; error?: string | null; accessConfigured: boolean }> = ({ next, error, accessConfigured }) => (
  <Layout title="Sign in" section={null} csrf={null}>
    <div class="signin card">
      <h1>Sign in</h1>
      {error && <Notice kind="fail">{error}</Notice>}
      <form method="post" action="/admin/sign-in">
        <input type="hidden" name="next" value={next} />
        <label>
          Admin token
          <input type="password" name="token" autocomplete="current-password" required autofocus maxlength={512} />
        </label>
        <button class="primary" type="submit">
          Sign in
        </button>
      </form>
      <p class="muted">
        The token is the Worker's <code>ADMIN_TOKEN</code> secret. The session lasts 8 hours and ends when the token is rotated.
        {accessConfigured && " Behind Cloudflare Access you are signed in automatically."}
      </p>
    </div>
  </Layout>
);

export const ErrorPage: FC<{ title: string; message: string; csrf?: string | null }> = ({ title, message, csrf }) => (
  <Layout title={title} section={null} csrf={csrf ?? null}>
    <h1>{title}</h1>
    <Notice kind="fail">{message}</Notice>
    <p>
      <a href="/admin">Back to the dashboard</a>
    </p>
  </Layout>
);
