package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3Options is an s3:// storage URL taken apart:
// s3://bucket/prefix?endpoint=host[:port]|http(s)://host[:port]&region=name&profile=name.
type s3Options struct {
	Bucket, Prefix, Endpoint, Region, Profile string
	Secure                                    bool
	// transport, when set (by tests), carries every request.
	transport http.RoundTripper
	// retries bounds the client's attempts per request (0: minio-go's 10).
	retries int
}

func parseS3URL(u *url.URL) (s3Options, error) {
	q := u.Query()
	o := s3Options{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Region: q.Get("region"), Profile: q.Get("profile"), Secure: true}
	if o.Bucket == "" {
		return o, errors.New("names no bucket: use s3://bucket/prefix")
	}
	for key := range q {
		switch key {
		case "endpoint", "region", "profile":
		default:
			return o, fmt.Errorf("unknown parameter %q: use endpoint, region, profile", key)
		}
	}
	o.Endpoint = q.Get("endpoint")
	switch {
	case o.Endpoint == "":
		o.Endpoint = "s3.amazonaws.com"
	case strings.HasPrefix(o.Endpoint, "http://"):
		o.Endpoint, o.Secure = strings.TrimPrefix(o.Endpoint, "http://"), false
	case strings.HasPrefix(o.Endpoint, "https://"):
		o.Endpoint = strings.TrimPrefix(o.Endpoint, "https://")
	}
	if strings.ContainsAny(o.Endpoint, "/?#") {
		return o, fmt.Errorf("endpoint %q is not host[:port] (with an optional http:// or https://)", q.Get("endpoint"))
	}
	return o, nil
}

// s3Store keeps backups in an S3-compatible bucket (AWS, MinIO, Ceph RGW,
// R2, B2) through minio-go. Credentials come from AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), MINIO_ROOT_USER /
// MINIO_ROOT_PASSWORD, the shared AWS files' profile (the URL's profile,
// else AWS_PROFILE, else default), or the instance's IAM role; they
// never reach the catalog.
type s3Store struct {
	opts   s3Options
	client *minio.Client
	core   minio.Core
	// partSize and keepOnFailure are the tests' seams: a fixed part size
	// (at least S3's 5 MiB) and uploads left as a killed process leaves them.
	partSize      int64
	keepOnFailure bool
}

func newS3Store(o s3Options) (*s3Store, error) {
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.EnvMinio{},
		&credentials.FileAWSCredentials{Profile: o.Profile},
		&credentials.IAM{},
	})
	c, err := minio.New(o.Endpoint, &minio.Options{Creds: creds, Secure: o.Secure, Region: o.Region, Transport: o.transport, MaxRetries: o.retries})
	if err != nil {
		return nil, fmt.Errorf("S3 endpoint %s: %w", o.Endpoint, err)
	}
	return &s3Store{opts: o, client: c, core: minio.Core{Client: c}}, nil
}

func (s *s3Store) key(name string) string {
	if s.opts.Prefix == "" {
		return name
	}
	return s.opts.Prefix + "/" + name
}

func (s *s3Store) Location(name string) string {
	return "s3://" + s.opts.Bucket + "/" + s.key(name)
}

// s3Error names the object and says what to check.
func (s *s3Store) s3Error(op, name string, err error) error {
	hint := ""
	switch minio.ToErrorResponse(err).Code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		hint = " (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile)"
	case "NoSuchBucket":
		hint = " (create the bucket, or fix [backup] storage)"
	}
	return fmt.Errorf("%s %s: %w%s", op, s.Location(name), err, hint)
}

func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

func (s *s3Store) Create(ctx context.Context, name string, sizeHint int64) (storeWriter, error) {
	return newUpload(ctx, s, name, sizeHint)
}

func (s *s3Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	r, _, _, err := s.core.GetObject(ctx, s.opts.Bucket, s.key(name), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.s3Error("download", name, err)
	}
	return r, nil
}

func (s *s3Store) Tail(ctx context.Context, name string, n int64) ([]byte, int64, error) {
	info, err := s.client.StatObject(ctx, s.opts.Bucket, s.key(name), minio.StatObjectOptions{})
	if err != nil {
		return nil, 0, s.s3Error("look at", name, err)
	}
	if info.Size == 0 {
		return nil, 0, nil
	}
	var opts minio.GetObjectOptions
	if err := opts.SetRange(max(info.Size-n, 0), info.Size-1); err != nil {
		return nil, 0, err
	}
	r, _, _, err := s.core.GetObject(ctx, s.opts.Bucket, s.key(name), opts)
	if err != nil {
		return nil, 0, s.s3Error("read the end of", name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, s.s3Error("read the end of", name, err)
	}
	return data, info.Size, nil
}

func (s *s3Store) Exists(ctx context.Context, name string) (bool, error) {
	_, err := s.client.StatObject(ctx, s.opts.Bucket, s.key(name), minio.StatObjectOptions{})
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, s.s3Error("look at", name, err)
	}
	return true, nil
}

func (s *s3Store) Remove(ctx context.Context, name string) error {
	err := s.client.RemoveObject(ctx, s.opts.Bucket, s.key(name), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return s.s3Error("delete", name, err)
	}
	return nil
}

func (s *s3Store) ReadSmall(ctx context.Context, name string) ([]byte, error) {
	r, _, _, err := s.core.GetObject(ctx, s.opts.Bucket, s.key(name), minio.GetObjectOptions{})
	if notFound(err) {
		return nil, fmt.Errorf("%s: %w", s.Location(name), errNotStored)
	}
	if err != nil {
		return nil, s.s3Error("download", name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, s.s3Error("download", name, err)
	}
	return data, nil
}

// Replace puts a small object with one PUT: S3 shows the old or the new
// one, never a mix.
func (s *s3Store) Replace(ctx context.Context, name string, data []byte) error {
	_, err := s.client.PutObject(ctx, s.opts.Bucket, s.key(name), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/json", SendContentMd5: true})
	if err != nil {
		return s.s3Error("upload", name, err)
	}
	return nil
}

// incomplete lists the multipart uploads begun under prefix (a store
// name) and never completed or aborted.
func (s *s3Store) incomplete(ctx context.Context, prefix string) ([]minio.ObjectMultipartInfo, error) {
	var out []minio.ObjectMultipartInfo
	keyMarker, idMarker := "", ""
	for {
		res, err := s.core.ListMultipartUploads(ctx, s.opts.Bucket, s.key(prefix), keyMarker, idMarker, "", 1000)
		if minio.ToErrorResponse(err).Code == "NoSuchUpload" {
			return out, nil // gofakes3's answer for a bucket that never had one
		}
		if err != nil {
			return nil, s.s3Error("list incomplete uploads under", prefix, err)
		}
		out = append(out, res.Uploads...)
		if !res.IsTruncated || (res.NextKeyMarker == keyMarker && res.NextUploadIDMarker == idMarker) {
			return out, nil
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// CleanLeftovers aborts the tenant's incomplete uploads: a backup killed
// before it could abort its own leaves one, whose parts S3 keeps (and
// bills) until someone aborts it.
func (s *s3Store) CleanLeftovers(ctx context.Context, folder string) ([]string, error) {
	ups, err := s.incomplete(ctx, folder+"/")
	if err != nil {
		return nil, err
	}
	var done []string
	for _, u := range ups {
		if err := s.core.AbortMultipartUpload(ctx, s.opts.Bucket, u.Key, u.UploadID); err != nil && minio.ToErrorResponse(err).Code != "NoSuchUpload" {
			return done, fmt.Errorf("abort the incomplete upload of s3://%s/%s: %w", s.opts.Bucket, u.Key, err)
		}
		done = append(done, "s3://"+s.opts.Bucket+"/"+u.Key+" (upload "+u.UploadID+")")
	}
	return done, nil
}

func (s *s3Store) Leftovers(ctx context.Context) ([]string, error) {
	ups, err := s.incomplete(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ups))
	for _, u := range ups {
		out = append(out, "s3://"+s.opts.Bucket+"/"+u.Key+" (upload "+u.UploadID+", begun "+u.Initiated.UTC().Format("2006-01-02 15:04:05")+")")
	}
	return out, nil
}
