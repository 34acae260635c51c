// Package e2e tests Lifeline as it is installed: lifeline-rendezvous
// serving the agent programs of its --agent-dir, a customer's browser
// (headless Chromium) on the join pages, and the agent downloaded there
// joining the session on its own. It holds tests only.
package e2e
