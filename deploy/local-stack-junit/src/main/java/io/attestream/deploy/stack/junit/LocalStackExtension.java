package io.attestream.deploy.stack.junit;

import io.attestream.deploy.stack.StackEndpoints;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives integration tests a running stack: Kafka, the schema registry and ClickHouse.
 *
 * <pre>
 * &#64;ExtendWith(LocalStackExtension.class)
 * class MyIT {
 *     &#64;Test
 *     void works(StackEndpoints stack) { ... stack.bootstrapServers() ... }
 * }
 * </pre>
 *
 * <p>By default the embedded stack is started ONCE per test JVM, on free ports in a temporary
 * directory, shared by every test class that uses this extension, and stopped (its directory
 * deleted) when the test run ends. When environment variables name an external stack
 * ({@value StackEndpoints#ENV_KAFKA}, {@value StackEndpoints#ENV_REGISTRY},
 * {@value StackEndpoints#ENV_CLICKHOUSE}, or {@value StackEndpoints#ENV_ENDPOINTS_FILE}; see
 * {@link StackEndpoints#fromEnvironment}), that stack is used and nothing is started. Tests get the
 * endpoints as a {@link StackEndpoints} parameter (constructor, lifecycle or test method) or from
 * {@link #endpoints()}.
 *
 * <p>System properties: {@value EmbeddedStack#TIMEOUT_PROPERTY} (seconds to wait for start-up,
 * default 300), {@value EmbeddedStack#KEEP_PROPERTY} ({@code true} keeps the stack directory for
 * post-mortems).
 */
public final class LocalStackExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LocalStackExtension.class);
    private static final AtomicReference<StackEndpoints> CURRENT = new AtomicReference<>();

    /**
     * @return the endpoints of the stack this test JVM uses
     * @throws IllegalStateException before the extension has run in this JVM
     */
    public static StackEndpoints endpoints() {
        StackEndpoints e = CURRENT.get();
        if (e == null) {
            throw new IllegalStateException("no stack yet: annotate the test class with "
                    + "@ExtendWith(LocalStackExtension.class) (the stack starts before its first test)");
        }
        return e;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == StackEndpoints.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return stack(extensionContext).endpoints();
    }

    private static EmbeddedStack stack(ExtensionContext context) {
        // The root store lives as long as the test run and closes its AutoCloseable values at the end.
        EmbeddedStack stack = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(EmbeddedStack.class, k -> EmbeddedStack.start(System.getenv()),
                        EmbeddedStack.class);
        CURRENT.set(stack.endpoints());
        return stack;
    }
}
