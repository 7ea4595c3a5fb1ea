package dev.cirque.server.grpc;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Answers written from bytes serialised once per answer object: for RPCs whose answer is kept
 * and sent again and again (the list of a home's devices, kept until its node set changes),
 * the same object's bytes are written without serialising it anew. Keyed by the object's
 * identity, held weakly: an answer built for one call is serialised once and forgotten with it.
 */
public final class SerializedOnce<T> implements MethodDescriptor.Marshaller<T> {

    private final MethodDescriptor.Marshaller<T> inner;
    private final Cache<T, byte[]> bytes = CacheBuilder.newBuilder().weakKeys().maximumSize(4096).build();

    private SerializedOnce(MethodDescriptor.Marshaller<T> inner) {
        this.inner = inner;
    }

    /** {@code service} with the answers of the methods named so written by this marshaller. */
    public static ServerServiceDefinition answers(ServerServiceDefinition service, Set<String> fullMethodNames) {
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            methods.add(fullMethodNames.contains(m.getMethodDescriptor().getFullMethodName()) ? kept(m) : m);
        }
        ServiceDescriptor old = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(old.getName())
                .setSchemaDescriptor(old.getSchemaDescriptor());
        methods.forEach(m -> descriptor.addMethod(m.getMethodDescriptor()));
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(out::addMethod);
        return out.build();
    }

    private static <Q, A> ServerMethodDefinition<Q, A> kept(ServerMethodDefinition<Q, A> m) {
        MethodDescriptor<Q, A> d = m.getMethodDescriptor();
        return ServerMethodDefinition.create(d.toBuilder().setResponseMarshaller(
                new SerializedOnce<>(d.getResponseMarshaller())).build(), m.getServerCallHandler());
    }

    @Override
    public InputStream stream(T value) {
        byte[] b = bytes.getIfPresent(value);
        if (b == null) {
            try (InputStream in = inner.stream(value)) {
                b = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            bytes.put(value, b);
        }
        return new Bytes(b);
    }

    @Override
    public T parse(InputStream stream) {
        return inner.parse(stream);
    }

    /** Bytes gRPC can size and copy straight into its buffer. */
    private static final class Bytes extends ByteArrayInputStream implements KnownLength, Drainable {
        Bytes(byte[] b) {
            super(b);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
}
