package probe

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smtprepl/smtprepl/proto/visible"
)

func TestReadHTTPResponse(t *testing.T) {
	const max = 64
	tests := []struct {
		name   string
		in     string
		status int
		ctype  string
		body   string
		err    string
	}{
		{name: "200 with Content-Length",
			in:     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nversion: STSv1trailing junk",
			status: 200, ctype: "text/plain", body: "version: STSv1"},
		{name: "chunked, with an extension and a trailer",
			in:     "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nTransfer-Encoding: Chunked\r\n\r\n9;name=value\r\nversion: \r\n5\r\nSTSv1\r\n0\r\nX-Trailer: ignored\r\n\r\n",
			status: 200, ctype: "text/plain", body: "version: STSv1"},
		{name: "close-delimited",
			in:     "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nmode: none\r\n",
			status: 200, ctype: "text/plain", body: "mode: none\r\n"},
		{name: "103 then 200",
			in:     "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			status: 200, body: "ok"},
		{name: "301 with Location: the body is not read",
			in:     "HTTP/1.1 301 Moved Permanently\r\nLocation: https://elsewhere.test/\r\nContent-Length: 100000\r\n\r\n",
			status: 301},
		{name: "404 without a reason", in: "HTTP/1.1 404\r\n\r\n", status: 404},
		{name: "bare LF line ends and a folded header",
			in:     "HTTP/1.1 200 OK\nContent-Type: text/plain;\n charset=utf-8\nContent-Length: 2\n\nok",
			status: 200, ctype: "text/plain; charset=utf-8", body: "ok"},
		{name: "header block too large",
			in:  "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", maxHTTPHead) + "\r\n\r\n",
			err: "the status line and headers are over 16 KiB"},
		{name: "too many interim responses",
			in:  strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", maxInterim+1) + "HTTP/1.1 200 OK\r\n\r\n",
			err: "the server sent more than 5 interim (1xx) responses"},
		{name: "body over the limit by Content-Length",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n",
			status: 200, err: errBodyTooLarge.Error()},
		{name: "body over the limit, close-delimited",
			in:     "HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("x", max+1),
			status: 200, err: errBodyTooLarge.Error()},
		{name: "body over the limit, chunked",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + strings.Repeat("x", 32) + "\r\n21\r\n",
			status: 200, err: errBodyTooLarge.Error()},
		{name: "bad status line", in: "HTTP/2 200 OK\r\n\r\n",
			err: `the status line "HTTP/2 200 OK" is not HTTP/1.x, a three-digit code and a reason`},
		{name: "status code of two digits", in: "HTTP/1.1 20 OK\r\n\r\n",
			err: `the status line "HTTP/1.1 20 OK" is not HTTP/1.x, a three-digit code and a reason`},
		{name: "an escape in the status line is shown, not played", in: "\x1b[2JHTTP/1.1 200 OK\r\n\r\n",
			err: `the status line "\\x1b[2JHTTP/1.1 200 OK" is not HTTP/1.x, a three-digit code and a reason`},
		{name: "header line without a colon", in: "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
			err: `the header line "no colon here" is not NAME: VALUE`},
		{name: "a fold before any header", in: "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
			err: `the first header line " folded" continues no header`},
		{name: "bad chunk size",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			status: 200, err: `the chunk size line "zz" does not start with a hexadecimal size`},
		{name: "a chunk size line too long",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("x", maxChunkLine) + "\r\nx\r\n0\r\n\r\n",
			status: 200, err: "a chunk size line is over 1024 bytes"},
		{name: "chunk size lines too long in all",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("0001;"+strings.Repeat("x", 500)+"\r\nx\r\n", 40) + "0\r\n\r\n",
			status: 200, err: "the chunk size lines are over 16 KiB in all"},
		{name: "chunk without its line end",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n",
			status: 200, err: "a chunk is not followed by its line end"},
		{name: "another transfer coding",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
			status: 200, err: `the body's transfer coding "gzip, chunked" is not chunked, the one this client reads`},
		{name: "differing Content-Lengths",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
			status: 200, err: `the response has differing Content-Lengths "2, 3"`},
		{name: "negative Content-Length",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
			status: 200, err: `the Content-Length "-1" is not a number of bytes`},
		{name: "truncated body",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
			status: 200, err: "the connection closed before the end of the body"},
		{name: "truncated chunked body",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nST",
			status: 200, err: "the connection closed before the end of the body"},
		{name: "truncated head", in: "HTTP/1.1 200 OK\r\nContent-",
			err: "reading the headers: the connection closed in the middle of the response"},
		{name: "nothing at all", in: "",
			err: "reading the status line: the connection closed in the middle of the response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := readHTTPResponse(bufio.NewReader(strings.NewReader(tt.in)), max)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("error %q, want %q", got, tt.err)
			}
			if tt.status == 0 {
				if resp != nil {
					t.Errorf("a response %+v with the error", resp)
				}
				return
			}
			if resp == nil {
				t.Fatalf("no response, want status %d", tt.status)
			}
			if resp.status != tt.status || resp.header.Get("Content-Type") != tt.ctype {
				t.Errorf("status %d, Content-Type %q; want %d, %q", resp.status, resp.header.Get("Content-Type"), tt.status, tt.ctype)
			}
			if diff := cmp.Diff(tt.body, string(resp.body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHostHeaderSafe(t *testing.T) {
	for host, want := range map[string]bool{
		"mta-sts.example.com":              true,
		"mta-sts.example.com\r\nX-Evil: 1": false,
		"mta-sts.example.com/path":         false,
		"user@mta-sts.example.com":         false,
		"mta-sts.bücher.example":           false,
		"":                                 false,
	} {
		if got := hostHeaderSafe(host); got != want {
			t.Errorf("hostHeaderSafe(%q) = %v", host, got)
		}
	}
}

// TestFetchPolicyTimeout: a policy server that takes the request and never
// answers costs the probe its timeout, and says so.
func TestFetchPolicyTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	o := &Options{Timeout: 300 * time.Millisecond, PolicyRoots: roots, PolicyServerName: "example.com",
		PolicyDial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		}}
	_, err := fetchPolicy(context.Background(), "slow.test", o)
	want := "fetching https://mta-sts.slow.test/.well-known/mta-sts.txt: no complete answer within 300ms"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}

	// The certificate is verified: without the test's roots it is not trusted.
	o.PolicyRoots, o.Timeout = nil, 2*time.Second
	_, err = fetchPolicy(context.Background(), "slow.test", o)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("error %v, want an unknown authority", err)
	}
}

// FuzzHTTPResponse: a policy server is whoever runs the domain; nothing it
// answers may crash the probe, hang it, grow it past its bounds or put an
// unescaped byte in the sentence that reports it.
func FuzzHTTPResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"))
	f.Add([]byte("HTTP/1.1 103 Early\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200 OK\nContent-Type: text/plain;\n charset=utf-8\n\nbody to the end"))
	f.Add([]byte("HTTP/1.1 301 Moved\r\nLocation: https://x/\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 256
		resp, err := readHTTPResponse(bufio.NewReader(strings.NewReader(string(data))), max)
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || !visible.TextSafe(msg) {
				t.Fatalf("error %q is not one safe sentence", msg)
			}
		}
		if resp == nil {
			if err == nil {
				t.Fatal("neither a response nor an error")
			}
			return
		}
		if resp.status < 100 || resp.status > 599 || (resp.status < 200 && resp.status != 101) {
			t.Fatalf("status %d", resp.status)
		}
		if len(resp.body) > max || (resp.status != 200 && resp.body != nil) {
			t.Fatalf("status %d with a body of %d bytes", resp.status, len(resp.body))
		}
	})
}
