public import NIOCore

/// Why a peer's byte stream was refused; the connection is closed.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case tooLarge(length: Int, max: Int)

    public var description: String {
        switch self {
        case .tooLarge(let length, let max): "a peer announced a \(length)-byte frame; frames are at most \(max) bytes"
        }
    }
}

/// Splits a peer's stream into frames: `u32 length ‖ payload`. The announced
/// length is checked against the maximum as soon as its four bytes arrive, so a
/// peer can never make the node buffer more than one maximal frame.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    public let maxFrameBytes: Int

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= maxFrameBytes else { throw FrameError.tooLarge(length: Int(length), max: maxFrameBytes) }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }
}

/// Writes frames: `u32 length ‖ payload`.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.writeInteger(UInt32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
