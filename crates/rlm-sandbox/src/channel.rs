//! The channel between a parent and one worker: a Unix stream socket carrying
//! length-prefixed JSON messages (a 4-byte little-endian length, then the
//! bytes), each optionally with one file descriptor attached (`SCM_RIGHTS`,
//! sent with the frame's first byte). Neither side trusts the other's frames:
//! a length over [`MAX_FRAME_BYTES`] or bytes that do not parse end the channel.

use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, recvmsg, sendmsg,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ChannelError;

/// The largest frame either side accepts (a host call's arguments or a
/// reply can be large strings; the interpreter caps strings at 256 MiB).
pub const MAX_FRAME_BYTES: usize = 512 << 20;

/// One end of a worker's socket.
#[derive(Debug)]
pub struct Channel {
    socket: OwnedFd,
}

impl Channel {
    /// Wraps a connected Unix stream socket.
    pub fn new(socket: OwnedFd) -> Channel {
        Channel { socket }
    }

    /// Sends `message`, with `fd` attached when given. Never raises SIGPIPE:
    /// a closed peer is [`ChannelError::Closed`].
    pub fn send<T: Serialize>(
        &mut self,
        message: &T,
        fd: Option<BorrowedFd<'_>>,
    ) -> Result<(), ChannelError> {
        let body = serde_json::to_vec(message).map_err(ChannelError::Encode)?;
        if body.len() > MAX_FRAME_BYTES {
            return Err(ChannelError::TooLarge(body.len()));
        }
        let header = (body.len() as u32).to_le_bytes();
        let fds: Vec<BorrowedFd<'_>> = fd.into_iter().collect();
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !fds.is_empty() {
            control.push(SendAncillaryMessage::ScmRights(&fds));
        }
        let mut sent = 0usize;
        let total = header.len() + body.len();
        while sent < total {
            let (head, rest): (&[u8], &[u8]) = if sent < header.len() {
                (&header[sent..], &body[..])
            } else {
                (&[], &body[sent - header.len()..])
            };
            let slices = [IoSlice::new(head), IoSlice::new(rest)];
            let n = if sent == 0 {
                sendmsg(&self.socket, &slices, &mut control, SendFlags::NOSIGNAL)
            } else {
                let mut none = SendAncillaryBuffer::default();
                sendmsg(&self.socket, &slices, &mut none, SendFlags::NOSIGNAL)
            };
            match n {
                Ok(0) => return Err(ChannelError::Closed),
                Ok(n) => sent += n,
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::PIPE | rustix::io::Errno::CONNRESET) => {
                    return Err(ChannelError::Closed);
                }
                Err(e) => return Err(ChannelError::Io(e.into())),
            }
        }
        Ok(())
    }

    /// Whether a frame (or the peer's end) is ready to read within `timeout`.
    pub fn readable(&self, timeout: Duration) -> Result<bool, ChannelError> {
        let mut fds = [PollFd::new(&self.socket, PollFlags::IN)];
        let timeout = Timespec {
            tv_sec: timeout.as_secs() as i64,
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        match poll(&mut fds, Some(&timeout)) {
            Ok(n) => Ok(n > 0),
            Err(rustix::io::Errno::INTR) => Ok(false),
            Err(e) => Err(ChannelError::Io(e.into())),
        }
    }

    /// Receives the next message and the descriptor sent with it, if any.
    /// Blocks until a whole frame has arrived.
    pub fn recv<T: DeserializeOwned>(&mut self) -> Result<(T, Option<OwnedFd>), ChannelError> {
        let mut header = [0u8; 4];
        let fd = self.read_exact(&mut header, true)?;
        let len = u32::from_le_bytes(header) as usize;
        if len > MAX_FRAME_BYTES {
            return Err(ChannelError::TooLarge(len));
        }
        let mut body = vec![0u8; len];
        self.read_exact(&mut body, false)?;
        let message = serde_json::from_slice(&body).map_err(ChannelError::Decode)?;
        Ok((message, fd))
    }

    /// Fills `buf`; with `take_fd`, keeps the descriptor that came with its
    /// first byte (any other descriptor is closed on arrival).
    fn read_exact(
        &mut self,
        buf: &mut [u8],
        take_fd: bool,
    ) -> Result<Option<OwnedFd>, ChannelError> {
        let mut got = 0usize;
        let mut fd = None;
        while got < buf.len() {
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
            let mut control = RecvAncillaryBuffer::new(&mut space);
            let mut slices = [IoSliceMut::new(&mut buf[got..])];
            match recvmsg(&self.socket, &mut slices, &mut control, RecvFlags::CMSG_CLOEXEC) {
                Ok(r) if r.bytes == 0 => return Err(ChannelError::Closed),
                Ok(r) => got += r.bytes,
                Err(rustix::io::Errno::INTR) => continue,
                Err(rustix::io::Errno::CONNRESET) => return Err(ChannelError::Closed),
                Err(e) => return Err(ChannelError::Io(e.into())),
            }
            for message in control.drain() {
                if let RecvAncillaryMessage::ScmRights(fds) = message {
                    for received in fds {
                        if take_fd && fd.is_none() {
                            fd = Some(received);
                        }
                    }
                }
            }
        }
        Ok(fd)
    }
}

impl AsFd for Channel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, Write};
    use std::os::unix::net::UnixStream;

    use super::*;

    fn pair() -> (Channel, Channel) {
        let (a, b) = UnixStream::pair().unwrap();
        (Channel::new(a.into()), Channel::new(b.into()))
    }

    #[test]
    fn messages_and_descriptors_cross() {
        let (mut a, mut b) = pair();
        let mut file = tempfile_in_memory();
        file.write_all(b"shared").unwrap();
        a.send(&vec!["one".to_string()], Some(file.as_fd())).unwrap();
        a.send(&42u32, None).unwrap();
        let (first, fd): (Vec<String>, _) = b.recv().unwrap();
        assert_eq!(first, ["one"]);
        let mut received = std::fs::File::from(fd.expect("the descriptor arrives"));
        let mut text = String::new();
        received.rewind().unwrap();
        received.read_to_string(&mut text).unwrap();
        assert_eq!(text, "shared");
        let (second, fd): (u32, _) = b.recv().unwrap();
        assert_eq!((second, fd.is_none()), (42, true));
    }

    #[test]
    fn a_closed_peer_and_an_oversized_frame_are_errors() {
        let (mut a, b) = pair();
        drop(b);
        assert!(matches!(a.send(&1u8, None), Err(ChannelError::Closed)));
        let (x, y) = UnixStream::pair().unwrap();
        let mut reader = Channel::new(y.into());
        let mut raw = x;
        raw.write_all(&(u32::MAX).to_le_bytes()).unwrap();
        assert!(matches!(reader.recv::<u8>(), Err(ChannelError::TooLarge(_))));
    }

    fn tempfile_in_memory() -> std::fs::File {
        rustix::fs::memfd_create("channel-test", rustix::fs::MemfdFlags::CLOEXEC).unwrap().into()
    }
}
