//go:build !unix

package perf

import (
	"context"
	"net"
	"time"
)

// blockingDial is nil where sockets are not unix ones: the driver dials
// and its deadlines bound each call.
func blockingDial(time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return nil
}

// holdProcs has nothing to do where connections use the netpoller.
func holdProcs(int) (restore func()) { return func() {} }
