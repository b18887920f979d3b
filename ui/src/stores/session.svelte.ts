// The desk's session: the start-up checks (app_status, setup_status, a session that carries on
// after a reload), who is signed in, what the sign-in screen says, and the clinic's settings.
// Other stores (idle lock, health, the desk's selection) follow sign-in and sign-out through `on`.
import {
  appStatus,
  onSessionEnd,
  sessionCurrent,
  settingsGet,
  setupStatus,
  signOut,
  toApiError,
  type ApiError,
  type AppStatus,
  type Session,
  type Settings,
  type SetupStatus,
} from '../lib/api';
import { isAdmin } from '../lib/session';
import { STARTING_INDICATOR_DELAY_MS } from '../lib/status';

export type NoticeTone = 'info' | 'warning' | 'ok';

/** What the sign-in screen says and has filled in. */
export type SignInScreen = { notice: string | null; tone: NoticeTone; userId: string };

/** Which of the app-wide screens shows. */
export type Screen = 'error' | 'starting' | 'setup' | 'signin' | 'desk';

/** Told when someone signs in (the desk opens) and when the desk goes back to sign-in. */
export type SessionListener = {
  signedin?: (session: Session) => void;
  signedout?: () => void;
};

/** The idle time when neither the settings nor setup_status say one. */
export const DEFAULT_IDLE_MINUTES = 5;

export class SessionStore {
  status = $state<AppStatus | null>(null);
  error = $state<ApiError | null>(null);
  loading = $state(false);
  showStarting = $state(false);

  /** From `setup_status`: first start or not, people count, clinic name, idle-lock time. */
  setup = $state<SetupStatus | null>(null);
  /** Who is signed in; null shows the sign-in screen (or setup on a first start). */
  session = $state<Session | null>(null);
  /** What the sign-in screen says and has filled in. */
  signin = $state<SignInScreen>({ notice: null, tone: 'info', userId: '' });
  /** Bumped to show the sign-in screen afresh. */
  signinKey = $state(0);
  settings = $state<Settings | null>(null);

  readonly clinicName = $derived((this.settings?.clinic_name ?? this.setup?.clinicName ?? '').trim());
  readonly admin = $derived(isAdmin(this.session));
  readonly idleMinutes = $derived(
    (typeof this.settings?.idle_lock_minutes === 'number' ? this.settings.idle_lock_minutes : null) ??
      this.setup?.idleLockMinutes ??
      DEFAULT_IDLE_MINUTES,
  );
  readonly screen = $derived<Screen>(
    this.error
      ? 'error'
      : !this.status || !this.setup
        ? 'starting'
        : this.setup.needsFirstAdmin
          ? 'setup'
          : this.session
            ? 'desk'
            : 'signin',
  );

  #listeners: SessionListener[] = [];
  // Only the latest load may change the screen (a slow answer to an older
  // call must not overwrite a newer one).
  #latest = 0;

  /** Follows sign-in and sign-out; listeners run in the order they were added. */
  on(listener: SessionListener): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Any command that finds the session over (idle lock, nobody signed in) lands here: back to
   * sign-in with Rust's words. Returns a function that stops listening.
   */
  watch(): () => void {
    return onSessionEnd((err) => {
      if (this.session) this.leave(err.message, 'warning', err.code === 'session_locked' ? this.session.userId : '');
    });
  }

  /** The start-up checks; "Starting…" shows only when they are slow. */
  async load(): Promise<void> {
    const call = ++this.#latest;
    this.loading = true;
    this.showStarting = false;
    const timer = setTimeout(() => {
      if (call === this.#latest) this.showStarting = true;
    }, STARTING_INDICATOR_DELAY_MS);
    try {
      const result = await appStatus();
      if (call !== this.#latest) return;
      this.status = result;
      const first = await setupStatus();
      // A window reloaded while someone was signed in carries on (Rust still checks the idle lock).
      const current = first.needsFirstAdmin ? null : await sessionCurrent().catch(() => null);
      if (call !== this.#latest) return;
      this.setup = first;
      this.error = null;
      if (current) this.enter(current);
    } catch (e) {
      if (call !== this.#latest) return;
      this.error = toApiError(e);
    } finally {
      clearTimeout(timer);
      if (call === this.#latest) {
        this.loading = false;
        this.showStarting = false;
      }
    }
  }

  /** Re-reads the people count and clinic name (after sample data or a walk-in). */
  async refreshSetup(): Promise<void> {
    try {
      this.setup = await setupStatus();
    } catch {
      // The desk carries on with what it knew.
    }
  }

  /** Signed in: the desk opens; settings and the people count are read again. */
  enter(session: Session): void {
    this.session = session;
    settingsGet().then(
      (got) => {
        if (this.session) this.settings = got;
      },
      () => {
        // The desk works with its defaults; the header shows the product name only.
      },
    );
    for (const l of this.#listeners) l.signedin?.(session);
    void this.refreshSetup();
  }

  /** Back to the sign-in screen with `notice`; listeners drop what they showed of the last session. */
  leave(notice: string | null, tone: NoticeTone, userId: string): void {
    for (const l of this.#listeners) l.signedout?.();
    this.session = null;
    this.signin = { notice, tone, userId };
    this.signinKey += 1;
  }

  /** "Sign out": the screen signs out at once, then Rust is told. */
  async signOut(): Promise<void> {
    this.leave('You have signed out.', 'info', '');
    try {
      await signOut();
    } catch {
      // Nothing more to do: the screen is already signed out.
    }
  }

  /** First-start setup is done: sign in as the new administrator. */
  setupDone(userId: string): void {
    if (this.setup) this.setup = { ...this.setup, needsFirstAdmin: false };
    this.signin = { notice: 'The desk is set up. Sign in as the administrator.', tone: 'ok', userId };
    this.signinKey += 1;
    void this.refreshSetup();
  }

  /** An administrator saved the settings: new clinic name, idle time, channel order. */
  settingsSaved(next: Settings): void {
    this.settings = next;
    if (this.setup) this.setup = { ...this.setup, clinicName: next.clinic_name };
  }
}

export function createSession(): SessionStore {
  return new SessionStore();
}
