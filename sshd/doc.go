// Package sshd serves the dashboard over SSH (charm.land/wish/v2), the way
// soft-serve serves its UI: users log in with a public key configured in
// [ssh] (or an authorized_keys file) with a role; each session gets its
// own dashboard (state, window size, colour profile) whose work carries
// the user's access.Principal, so the services check the role and audit
// every change.
//
// The user is decided after the handshake, from the key that
// authenticated the connection (ssh.Session.PublicKey), never from state
// kept by the public-key callback, which also sees keys the client only
// offered (GHSA-pchf-49fh-w34r, CVE-2024-45337).
package sshd
