// Command fakes3 serves an in-memory S3-compatible bucket on loopback
// (gofakes3, the server the backup tests use) for scripts/bench-backup-s3.sh.
// It is a benchmark aid, not a storage server: everything is lost when it
// stops.
//
//	go run ./scripts/fakes3 -addr 127.0.0.1:9555 -bucket bench
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9555", "address to listen on")
	bucket := flag.String("bucket", "bench", "bucket to create")
	flag.Parse()
	backend := s3mem.New()
	if err := backend.CreateBucket(*bucket); err != nil {
		log.Fatalf("create bucket %s: %v", *bucket, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen on %s: %v", *addr, err)
	}
	fmt.Fprintf(os.Stderr, "fakes3: s3://%s on http://%s\n", *bucket, ln.Addr())
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	log.Fatal(http.Serve(ln, faker.Server()))
}
