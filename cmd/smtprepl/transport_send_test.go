package main

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/repl"
)

// send's exits for --xclient and the PROXY header are swaks's: 33 for
// XCLIENT not offered or refused, 35 for a header that cannot be made.
func TestSendTransportExitCodes(t *testing.T) {
	offered := []string{"PIPELINING", "XCLIENT NAME ADDR"}
	cases := []struct {
		name   string
		mta    *fakeMTA
		args   []string
		exit   int
		stderr string
	}{
		{"XCLIENT accepted", &fakeMTA{caps: offered, replies: map[string]string{"XCLIENT": "220 fake.example ESMTP"}}, []string{"--xclient", "ADDR=192.0.2.7"}, 0, ""},
		{"XCLIENT not offered", &fakeMTA{caps: []string{"PIPELINING"}}, []string{"--xclient", "ADDR=192.0.2.7"}, 33, "xclient stage: --xclient: "},
		{"XCLIENT attribute not offered", &fakeMTA{caps: offered}, []string{"--xclient", "LOGIN=u"}, 33, "xclient stage: --xclient: "},
		{"XCLIENT refused", &fakeMTA{caps: offered, replies: map[string]string{"XCLIENT": "550 5.7.0 Error: insufficient authorization"}}, []string{"--xclient", "ADDR=192.0.2.7"}, 33, "xclient stage: --xclient: "},
		{"--quit-after xclient", &fakeMTA{caps: offered, replies: map[string]string{"XCLIENT": "220 fake.example ESMTP"}}, []string{"--xclient", "ADDR=192.0.2.7", "--quit-after", "xclient"}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"send", "--server", tc.mta.start(t), "--to", "a@example.test", "--timeout", "5s"}, tc.args...)
			code, out, errOut := runCLI(t, "", args...)
			wantErr := tc.stderr == "" && errOut == "" || tc.stderr != "" && strings.HasPrefix(errOut, "smtprepl: "+tc.stderr) && strings.Count(errOut, "\n") == 1
			if code != tc.exit || !wantErr {
				t.Errorf("exit %d, stderr %q; want %d, %q\n%s", code, errOut, tc.exit, tc.stderr, out)
			}
		})
	}
	t.Run("PROXY header over a Unix socket", func(t *testing.T) {
		path := t.TempDir() + "/smtp.sock"
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			if c, err := l.Accept(); err == nil {
				c.Close()
			}
		}()
		code, _, errOut := runCLI(t, "", "send", "--server", "unix:"+path, "--proxy", "--to", "a@example.test", "--timeout", "5s")
		if code != 35 || !strings.Contains(errOut, "give --proxy-source and --proxy-dest") {
			t.Errorf("exit %d, stderr %q; want 35", code, errOut)
		}
	})
}

func TestTransportExit(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{&repl.XClientError{Err: errors.New("x")}, 33},
		{&repl.XClientError{AfterEHLO: true, Err: errors.New("x")}, 34},
		{&repl.StageError{Stage: repl.StageConnect, Err: &proto.ProxyError{Err: errors.New("x")}}, 35},
		{&proto.ProxyError{Built: true, Err: errors.New("x")}, 36},
		{errors.New("other"), 0},
	} {
		if code, _ := transportExit(tc.err); code != tc.code {
			t.Errorf("transportExit(%#v) = %d, want %d", tc.err, code, tc.code)
		}
	}
}
