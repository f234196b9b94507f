//! A queue of byte chunks: received plaintext, plaintext waiting for the handshake, and
//! whole records waiting for `write_tls`.

use std::collections::VecDeque;
use std::io;

/// Slots of chunk queue kept when it is drained (more are released).
const IDLE_CHUNK_SLOTS: usize = 4;

/// A queue of byte chunks, consumed from the front.
#[derive(Debug, Default)]
pub(crate) struct ChunkVecBuffer {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes of the front chunk already consumed.
    offset: usize,
    len: usize,
}

impl ChunkVecBuffer {
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub(crate) fn append(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.len += bytes.len();
            self.chunks.push_back(bytes);
        }
    }
    /// Copies out up to `buf.len()` bytes.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let avail = &front[self.offset..];
            let n = avail.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&avail[..n]);
            done += n;
            self.consume(n);
        }
        done
    }
    fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.chunks.front() else {
                return;
            };
            let avail = front.len() - self.offset;
            if n < avail {
                self.offset += n;
                self.len -= n;
                return;
            }
            n -= avail;
            self.len -= avail;
            self.offset = 0;
            self.chunks.pop_front();
        }
        if self.chunks.is_empty() && self.chunks.capacity() > IDLE_CHUNK_SLOTS {
            // A burst (a handshake flight, a large write) grew the queue: give it back
            // once drained. Small queues are kept so the busy path does not reallocate.
            self.chunks = VecDeque::new();
        }
    }
    /// One write call with the queued chunks (vectored).
    pub(crate) fn write_to(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        if self.is_empty() {
            return Ok(0);
        }
        let mut slices = Vec::with_capacity(self.chunks.len().min(64));
        for (i, c) in self.chunks.iter().take(64).enumerate() {
            slices.push(io::IoSlice::new(if i == 0 { &c[self.offset..] } else { c }));
        }
        let n = wr.write_vectored(&slices)?;
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_buffer_reads_across_chunks() {
        let mut b = ChunkVecBuffer::default();
        b.append(b"hello ".to_vec());
        b.append(Vec::new());
        b.append(b"world".to_vec());
        assert_eq!(b.len(), 11);
        let mut out = [0u8; 4];
        assert_eq!(b.read(&mut out), 4);
        assert_eq!(&out, b"hell");
        let mut rest = [0u8; 20];
        let n = b.read(&mut rest);
        assert_eq!(&rest[..n], b"o world");
        assert!(b.is_empty());
    }
}
