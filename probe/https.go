package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// The one HTTPS request the probe makes (RFC 8461 §3.3) is a GET with a
// verified certificate, no redirects, no proxy and one connection. It is
// written here rather than with net/http, whose package initialisers
// (HTTP/2, hpack, gzip, tracing) every run of every subcommand would pay
// for at start-up.

const (
	// maxHTTPHead bounds a response's status line and headers, with any
	// interim (1xx) responses before it.
	maxHTTPHead = 16 << 10
	// maxInterim bounds the 1xx responses skipped before the final one.
	maxInterim = 5
	// maxChunkLine bounds a chunk-size line with its extensions.
	maxChunkLine = 1 << 10
)

// errBodyTooLarge is a body longer than the caller's limit.
var errBodyTooLarge = errors.New("the body is over the limit")

// errLineTooLong is a line past what is left of its budget.
var errLineTooLong = errors.New("the line is too long")

// httpResponse is what the probe keeps of a response: its status, its
// headers and, for a 200, its body.
type httpResponse struct {
	status int
	header textproto.MIMEHeader
	body   []byte
}

// httpsGet asks https://HOST/PATH over a connection from dial, the
// certificate verified as cfg says. The whole exchange ends by ctx's
// deadline. A response with a body over maxBody comes back with its head
// and errBodyTooLarge.
func httpsGet(ctx context.Context, dial func(ctx context.Context, network, addr string) (net.Conn, error), host, path string, cfg *tls.Config, maxBody int) (*httpResponse, error) {
	if !hostHeaderSafe(host) {
		return nil, fmt.Errorf("the host name %q cannot be asked for over HTTPS", visible.Clip(host, 100))
	}
	raw, err := dial(ctx, "tcp", net.JoinHostPort(host, "443"))
	if err != nil {
		return nil, timeoutError(ctx, err)
	}
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	// A cancelled ctx ends a read or write at once, not at the deadline.
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Now()) })
	defer stop()
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, timeoutError(ctx, err)
	}
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: smtprepl\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, timeoutError(ctx, err)
	}
	resp, err := readHTTPResponse(bufio.NewReader(conn), maxBody)
	if err != nil && !errors.Is(err, errBodyTooLarge) {
		err = timeoutError(ctx, err)
	}
	return resp, err
}

// hostHeaderSafe says whether host can go into a request line as it is:
// printable ASCII, nothing that could end the header or the line.
func hostHeaderSafe(host string) bool {
	for i := 0; i < len(host); i++ {
		if c := host[i]; c <= ' ' || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@' {
			return false
		}
	}
	return host != ""
}

// timeoutError is ctx's own error when ctx ended the exchange, so that a
// deadline is context.DeadlineExceeded however it surfaced (a read past
// the connection's deadline).
func timeoutError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// readHTTPResponse reads the response to a GET (RFC 9112): 1xx interim
// responses are skipped, and the body is read only for a 200, the one
// status whose body the probe wants. The status line and headers are
// bounded by maxHTTPHead, the body by maxBody; a longer body gives the
// response's head with errBodyTooLarge.
func readHTTPResponse(r *bufio.Reader, maxBody int) (*httpResponse, error) {
	budget := maxHTTPHead
	for interim := 0; ; interim++ {
		resp, err := readHTTPHead(r, &budget)
		if err != nil {
			return nil, err
		}
		if resp.status >= 200 || resp.status == 101 {
			if resp.status != 200 {
				return resp, nil
			}
			resp.body, err = readHTTPBody(r, resp.header, maxBody)
			return resp, err
		}
		if interim == maxInterim {
			return nil, fmt.Errorf("the server sent more than %d interim (1xx) responses", maxInterim)
		}
	}
}

// readHTTPHead reads a status line and its headers.
func readHTTPHead(r *bufio.Reader, budget *int) (*httpResponse, error) {
	line, err := readHTTPLine(r, budget)
	if err != nil {
		return nil, headError("reading the status line", err)
	}
	status, err := parseStatusLine(line)
	if err != nil {
		return nil, err
	}
	h := textproto.MIMEHeader{}
	var last string
	for {
		line, err := readHTTPLine(r, budget)
		if err != nil {
			return nil, headError("reading the headers", err)
		}
		if line == "" {
			return &httpResponse{status: status, header: h}, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			// obs-fold: a client replaces it with a space (RFC 9112 §5.2).
			if last == "" {
				return nil, fmt.Errorf("the first header line %q continues no header", visible.Clip(line, 100))
			}
			vs := h[last]
			vs[len(vs)-1] = strings.TrimSpace(vs[len(vs)-1] + " " + strings.TrimSpace(line))
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) {
			return nil, fmt.Errorf("the header line %q is not NAME: VALUE", visible.Clip(line, 100))
		}
		last = textproto.CanonicalMIMEHeaderKey(name)
		h[last] = append(h[last], strings.Trim(value, " \t"))
	}
}

func headError(doing string, err error) error {
	if errors.Is(err, errLineTooLong) {
		return fmt.Errorf("the status line and headers are over %d KiB", maxHTTPHead>>10)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// parseStatusLine takes "HTTP/1.x NNN reason", the reason possibly empty.
func parseStatusLine(line string) (int, error) {
	bad := fmt.Errorf("the status line %q is not HTTP/1.x, a three-digit code and a reason", visible.Clip(line, 100))
	proto, rest, _ := strings.Cut(line, " ")
	if proto != "HTTP/1.1" && proto != "HTTP/1.0" {
		return 0, bad
	}
	code, _, _ := strings.Cut(rest, " ")
	if len(code) != 3 || code[0] < '1' || code[0] > '5' || !isDigits(code) {
		return 0, bad
	}
	n, _ := strconv.Atoi(code)
	return n, nil
}

// readHTTPLine reads one line without its LF or CRLF (a bare LF is taken,
// as most clients do), charging its length to *budget.
func readHTTPLine(r *bufio.Reader, budget *int) (string, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(frag) > *budget {
			return "", errLineTooLong
		}
		*budget -= len(frag)
		line = append(line, frag...)
		switch {
		case err == nil:
			line = line[:len(line)-1]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return string(line), nil
		case errors.Is(err, io.EOF):
			return "", errors.New("the connection closed in the middle of the response")
		case !errors.Is(err, bufio.ErrBufferFull):
			return "", err
		}
	}
}

// readHTTPBody reads a 200's body: chunked, of a Content-Length, or up to
// the end of the connection (RFC 9112 §6.3).
func readHTTPBody(r *bufio.Reader, h textproto.MIMEHeader, maxBody int) ([]byte, error) {
	if te := h.Values("Transfer-Encoding"); len(te) > 0 {
		if len(te) != 1 || !strings.EqualFold(strings.TrimSpace(te[0]), "chunked") {
			return nil, fmt.Errorf("the body's transfer coding %q is not chunked, the one this client reads", visible.Clip(strings.Join(te, ", "), 100))
		}
		return readChunked(r, maxBody)
	}
	if cl := h.Values("Content-Length"); len(cl) > 0 {
		for _, v := range cl[1:] {
			if v != cl[0] {
				return nil, fmt.Errorf("the response has differing Content-Lengths %q", visible.Clip(strings.Join(cl, ", "), 100))
			}
		}
		if !isDigits(cl[0]) || len(cl[0]) > 18 {
			return nil, fmt.Errorf("the Content-Length %q is not a number of bytes", visible.Clip(cl[0], 100))
		}
		n, _ := strconv.ParseInt(cl[0], 10, 64)
		if n > int64(maxBody) {
			return nil, errBodyTooLarge
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, bodyError(err)
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(r, int64(maxBody)+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if len(body) > maxBody {
		return nil, errBodyTooLarge
	}
	return body, nil
}

// readChunked decodes a chunked body (RFC 9112 §7.1); chunk extensions
// and trailers are read and ignored.
func readChunked(r *bufio.Reader, maxBody int) ([]byte, error) {
	var body []byte
	// The size lines are bounded one by one and in all, so that a body
	// cut into one-byte chunks with long extensions cannot make the
	// client read far more than the body.
	framing := maxHTTPHead
	for {
		budget := min(maxChunkLine, framing)
		line, err := readHTTPLine(r, &budget)
		framing -= min(maxChunkLine, framing) - budget
		if errors.Is(err, errLineTooLong) && framing < maxChunkLine {
			return nil, fmt.Errorf("the chunk size lines are over %d KiB in all", maxHTTPHead>>10)
		}
		if errors.Is(err, errLineTooLong) {
			return nil, fmt.Errorf("a chunk size line is over %d bytes", maxChunkLine)
		}
		if err != nil {
			return nil, fmt.Errorf("reading a chunk size: %w", err)
		}
		hex, _, _ := strings.Cut(line, ";")
		hex = strings.TrimRight(hex, " \t")
		n, err := strconv.ParseUint(hex, 16, 32)
		if err != nil {
			return nil, fmt.Errorf("the chunk size line %q does not start with a hexadecimal size", visible.Clip(line, 100))
		}
		if n == 0 {
			return body, skipTrailers(r)
		}
		if n > uint64(maxBody-len(body)) {
			return nil, errBodyTooLarge
		}
		body = append(body, make([]byte, n)...)
		if _, err := io.ReadFull(r, body[len(body)-int(n):]); err != nil {
			return nil, bodyError(err)
		}
		budget = 2
		if end, err := readHTTPLine(r, &budget); err != nil || end != "" {
			return nil, errors.New("a chunk is not followed by its line end")
		}
	}
}

// skipTrailers reads the trailer section after the last chunk.
func skipTrailers(r *bufio.Reader) error {
	budget := maxHTTPHead
	for {
		line, err := readHTTPLine(r, &budget)
		if errors.Is(err, errLineTooLong) {
			return fmt.Errorf("the trailers are over %d KiB", maxHTTPHead>>10)
		}
		if err != nil {
			return fmt.Errorf("reading the trailers: %w", err)
		}
		if line == "" {
			return nil
		}
	}
}

func bodyError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("the connection closed before the end of the body")
	}
	return fmt.Errorf("reading the body: %w", err)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isToken says whether s is an HTTP field name (RFC 9110 §5.6.2).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return s != ""
}
