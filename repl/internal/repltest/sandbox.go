package repltest

import (
	"testing"

	"github.com/smtprepl/smtprepl/proto/sandbox"
)

// StartSandbox is a practice server on a loopback port, closed with t.
func StartSandbox(t testing.TB) *sandbox.Server {
	t.Helper()
	return startSandbox(t, sandbox.DefaultConfig())
}

// StartLMTPSandbox is StartSandbox speaking LMTP (sandbox.LMTPConfig).
func StartLMTPSandbox(t testing.TB) *sandbox.Server {
	t.Helper()
	return startSandbox(t, sandbox.LMTPConfig())
}

func startSandbox(t testing.TB, cfg sandbox.Config) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}
