// Package filetransfer is Lifeline's file transfer engine: basic transfer
// (the CSR publishes files, the customer downloads them into a folder they
// pick) and advanced transfer (the CSR browses a folder the customer
// chose, creates folders, renames, deletes, and moves files and whole
// folders in both directions). It is pure Go and knows nothing of WebRTC:
// it talks over a Conn, an ordered reliable channel of whole messages.
//
// # Trust
//
// Every name from the other side is hostile until checked. CheckPath
// refuses (never cleans) anything but plain relative names; every file
// operation goes through an *os.Root for the person-chosen folder, so
// nothing can be read or written outside it, and no symbolic link is
// followed on the way (see safepath.go). Names that are refused are
// logged and reported to both people with a sentence that says why.
// Limits (150 MB and 10 000 entries per transfer by default) are applied
// from the manifest before the first byte is written and again as bytes
// arrive. Files land in NAME.lifeline-part and are renamed into place
// only after their SHA-256 matches; existing files are not replaced
// unless Receiver.Overwrite is set.
//
// # Pieces
//
//   - Sender and Receiver run one transfer over a Conn. A Plan (PlanPaths,
//     PlanRoot) is what a sender sends.
//   - Server answers a Client's requests on one Conn, inside its Root:
//     list, mkdir, rename, remove, put (the client sends) and get (the
//     server sends). Its Allow hook is where the agent asks the customer.
//   - Publisher offers the files a CSR published to a Client: list and
//     get, nothing else.
//   - Pipe is an in-memory Conn for tests and in-process wiring.
//
// Basic transfer: the console runs a Publisher with the files the CSR
// shared; the agent lists and downloads them with a Client, into the
// folder the customer picked. Advanced: the agent runs a Server on the
// folder the customer allowed (its Allow hook asks the customer before
// each change), the console a Client; the headless commands map
// directly:
//
//	files ls REMOTE_DIR          Client.List
//	files put LOCAL REMOTE       PlanPaths + Client.Put
//	files get REMOTE LOCAL       Client.Get
//	files mkdir REMOTE           Client.Mkdir
//	files rename REMOTE NEW_NAME Client.Rename
//	files rm [-r] REMOTE         Client.Remove
//
// Abort Transfer is cancelling the ctx of Send, Receive, Put or Get (use
// context.WithCancelCause for the reason the other person sees): the
// other side is told and partial files are deleted. A dropped connection
// instead keeps them: running the same transfer again resumes each file
// from its last good chunk, proven by SHA-256 on both sides (resume.go).
//
// # Wire format, version 1
//
// Every message is one Conn message of at most MaxMessageSize (65 535
// bytes, what any data channel carries):
//
//	version:u8 kind:u8 body…
//
// Integers are unsigned LEB128 varints (uv), times signed varints of Unix
// seconds (sv), strings uv length + bytes (str), checksums 32 raw
// bytes of SHA-256 (sum), flags one byte 0 or 1. A message with another
// version is refused with an error of code CodeVersion.
//
//	kind  name           dir   body
//	0x01  manifest       S→R   dest:str count:uv total:uv n:uv entry×n
//	0x02  manifest-more  S→R   n:uv entry×n          (until count entries)
//	0x03  accept         R→S   more:flag n:uv (index:uv have:uv keep:flag sum)×n
//	0x04  file-begin     S→R   index:uv offset:uv    (0 or an offer's have)
//	0x05  chunk          S→R   index:uv offset:uv data… (1 to MaxChunkSize bytes)
//	0x06  file-end       S→R   index:uv sum          (SHA-256 of the whole file)
//	0x07  ack            R→S   index:uv have:uv total:uv
//	0x08  done           S→R   -
//	0x09  complete       R→S   -                     (every file verified and in place)
//	0x0a  abort          both  reason:str
//	0x0b  error          both  id:uv code:u8 path:str text:str
//
//	entry: path:str kind:u8 (0 file, 1 folder) size:uv mode:uv (⊆ 0o600) mtime:sv
//
//	0x20  list           C→V   id:uv path:str
//	0x21  listing        V→C   id:uv more:flag hidden:uv n:uv (name:str kind:u8 size:uv mtime:sv)×n
//	0x22  mkdir          C→V   id:uv path:str
//	0x23  rename         C→V   id:uv path:str new-name:str
//	0x24  remove         C→V   id:uv path:str recursive:flag
//	0x25  get            C→V   id:uv n:uv path:str×n (then V sends a transfer, S=V)
//	0x26  ok             V→C   id:uv
//
// (S sender, R receiver, C client, V server; a put is the client sending
// a manifest, with dest relative to the server's folder.)
//
// A transfer: S sends the manifest (split into manifest-more messages when
// it does not fit in one); R checks all of it and either answers error
// (nothing written) or accept, offering for each file it already has a
// part of (have < size), or a same-size file in place (have = size; keep
// if it may not be replaced), the length and SHA-256 of those bytes. S
// hashes its own first have bytes of each offered file: if they match it
// will start that file at have, else at 0, and a kept file that differs
// refuses the whole transfer before any byte is sent. Then, for each file
// in manifest order: file-begin, chunks in order, file-end with the
// file's SHA-256. R writes
// NAME.lifeline-part, acknowledges every 256 KiB and at each file's end,
// and renames the part into place once the SHA-256 matches. S keeps at
// most Sender.Window (4 MiB) unacknowledged, which bounds the memory and
// the data channel's buffer. After the last file S sends done, R answers
// complete. Either side may send abort or error at any point, which ends
// the transfer; error ids are 0 within a transfer and the request's id
// for a refused request.
package filetransfer
