// floor.go is the least an SMTP server written in Go can do for
// smtp-source: greet, answer 250 to every command, 354 to DATA, read to
// the dot, 221 to QUIT. No parsing, no storing, no log; one processor, as
// the sandbox runs. bench.sh runs it beside smtp-sink and the sandbox:
// what it costs is the Go runtime's share of a classroom's load, which no
// change to the sandbox can remove.
// Usage: go run .ci/floor.go 127.0.0.1:PORT
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"runtime"
)

func main() {
	runtime.GOMAXPROCS(1)
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go serve(c)
	}
}

func serve(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(s string) bool {
		w.WriteString(s)
		return w.Flush() == nil
	}
	if !reply("220 floor ESMTP\r\n") {
		return
	}
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		switch verb := bytes.ToUpper(line[:min(4, len(line))]); {
		case bytes.Equal(verb, []byte("DATA")):
			if !reply("354 End data with <CR><LF>.<CR><LF>\r\n") {
				return
			}
			for {
				if line, err = r.ReadSlice('\n'); err != nil {
					return
				}
				if bytes.Equal(line, []byte(".\r\n")) {
					break
				}
			}
			if !reply("250 2.0.0 Ok: queued\r\n") {
				return
			}
		case bytes.Equal(verb, []byte("QUIT")):
			reply("221 2.0.0 Bye\r\n")
			return
		default:
			if !reply("250 Ok\r\n") {
				return
			}
		}
	}
}
