//go:build !unix

package backup

import (
	"context"
	"net"
)

// watchedDial is plain dialling where sockets are not unix ones.
func watchedDial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
