// A panel that fails to render (a bug, never the image's doing) says so in place instead of
// blanking the window; the rest of the app keeps working.

import { Component, type ReactNode } from 'react';

export class ErrorBoundary extends Component<{ label: string; children: ReactNode }, { error: string | null }> {
  override state: { error: string | null } = { error: null };

  static getDerivedStateFromError(e: unknown): { error: string } {
    return { error: e instanceof Error ? e.message : String(e) };
  }

  override render(): ReactNode {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="in-place-error" role="alert">
        <h2>The {this.props.label} could not be shown</h2>
        <p className="error-message">{this.state.error}</p>
        <button type="button" className="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
