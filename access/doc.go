// Package access holds who may change what: the roles (viewer, operator,
// admin), the actions services perform, the Principal a front end puts on
// the context (an SSH user, or the OS user of a CLI), and the checks and
// audit records services make where an action executes.
//
// A service's write method starts with
//
//	if err := access.Require(ctx, access.TenantDelete, t.ID); err != nil {
//		return err
//	}
//	defer access.Done(ctx, access.TenantDelete, t.ID, &err)
//
// Require refuses (and audits the refusal) when the context's principal
// lacks the role the action needs; Done records the outcome through the
// principal's audit sink. A context without a principal is the process's
// own operator (tests, embedding code): it may do everything and nothing is
// audited, so every front end that serves people sets one (package sshd for
// SSH sessions, package cli for commands and the local dashboard).
package access
