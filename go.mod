module github.com/smtprepl/smtprepl

go 1.26

require (
	github.com/chzyer/readline v1.5.1
	github.com/fatih/color v1.19.0
	github.com/google/go-cmp v0.7.0
	github.com/miekg/dns v1.1.73
	golang.org/x/net v0.57.0
)

require (
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
